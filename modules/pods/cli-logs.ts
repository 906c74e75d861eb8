/**
 * `voodu logs <ref>`: one pod's output copied as it comes, or the lines of
 * every pod of a resource or scope, each prefixed `[<pod>]` (coloured per
 * pod on a terminal). Streams have no overall timeout; only the answer's
 * headers must arrive within 15 s.
 */
import { once } from 'node:events';
import { CliError, failureOf } from '../../cli/client.js';
import type { HttpAnswer } from '../../cli/http-answer.js';
import type { Verb, VerbContext } from '../../cli/verb.js';
import { colorFor, isColorTerminal } from './cli-format.js';
import { describeRef, parsePodRef } from './cli-refs.js';

const HEADERS_WITHIN_MS = 15_000;

export const logs: Verb = {
  name: 'logs',
  args: '<ref>',
  description:
    'Print the output (stdout and stderr) of a pod, or of every pod of a resource or scope with a [pod] prefix. ' +
    'REF is a container name (prod-api.a1b2), <scope>/<name>.<replica>, <scope>/<name> or <scope>',
  options: [
    { flags: '-f, --follow', description: 'keep streaming new output until interrupted', default: false },
    { flags: '-t, --tail', description: 'only the last N lines of each pod (0 = all)' },
  ],
  examples: ['logs prod-api.a1b2', 'logs prod/api -f', 'logs prod/db.0 --tail 100', 'logs prod -f -t 10'],
  async run(ctx, args, opts) {
    const ref = parsePodRef(args[0]);
    const query = { follow: opts.follow === true || undefined, tail: tailOf(opts.tail) };
    if ('pod' in ref) {
      const res = await open(ctx, `/pods/${encodeURIComponent(ref.pod)}/logs`, query);
      await copy(ctx, res);
      return 0;
    }
    const res = await open(ctx, '/logs', { ...query, scope: ref.scope, name: ref.name }, () => `no containers match "${describeRef(ref)}"`);
    const pods = (res.headers.get('x-voodu-containers') ?? '').split(',').filter(Boolean);
    ctx.stderr.write(`==> tailing ${pods.length} container(s) for "${describeRef(ref)}"\n`);
    await copyLines(ctx, res, isColorTerminal(ctx));
    return 0;
  },
};

function tailOf(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new CliError(`--tail: ${JSON.stringify(String(value))} is not a line count; use a whole number (0 = all)`);
  return n === 0 ? undefined : n;
}

/** GET with a deadline on the headers only; a 404 can carry its own message. */
async function open(
  ctx: VerbContext,
  path: string,
  query: Record<string, string | number | boolean | undefined>,
  notFound?: () => string,
): Promise<HttpAnswer> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), HEADERS_WITHIN_MS);
  let res: HttpAnswer;
  try {
    res = await ctx.client.fetch('GET', path, { query, timeoutMs: 0, signal: abort.signal });
  } catch (err) {
    if (abort.signal.aborted) throw new CliError(`controller at ${ctx.client.baseUrl} did not answer within ${HEADERS_WITHIN_MS / 1000} s`);
    throw err;
  } finally {
    clearTimeout(timer);
  }
  if (res.ok) return res;
  if (res.status === 404 && notFound) throw new CliError(notFound());
  throw await failureOf(res);
}

async function write(ctx: VerbContext, data: Uint8Array | string): Promise<void> {
  if (!ctx.stdout.write(data)) await once(ctx.stdout, 'drain');
}

async function copy(ctx: VerbContext, res: HttpAnswer): Promise<void> {
  if (!res.body) return;
  for await (const chunk of res.body) await write(ctx, chunk);
}

/** Whole lines only, so a colour never splits a line; `[pod]` prefixes get the pod's colour. */
async function copyLines(ctx: VerbContext, res: HttpAnswer, color: boolean): Promise<void> {
  if (!res.body) return;
  const decoder = new TextDecoder();
  let partial = '';
  const paint = (line: string) => {
    const m = /^\[([^\]]+)\] /.exec(line);
    return color && m ? colorFor(m[1]!)(`[${m[1]}]`) + line.slice(m[1]!.length + 2) : line;
  };
  for await (const chunk of res.body) {
    const text = partial + decoder.decode(chunk, { stream: true });
    const cut = text.lastIndexOf('\n');
    if (cut < 0) {
      partial = text;
      continue;
    }
    partial = text.slice(cut + 1);
    await write(ctx, text.slice(0, cut + 1).split('\n').slice(0, -1).map(paint).join('\n') + '\n');
  }
  partial += decoder.decode();
  if (partial) await write(ctx, paint(partial) + '\n');
}
