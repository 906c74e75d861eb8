/**
 * `voodu release <ref> [history|run] [--force]` (docs/cli.md): `run` streams `POST /releases/run` and exits non-zero when the
 * release failed; `history` (the default, as it changes nothing) prints the
 * release records from `GET /describe`. Also `runReleaseStream`, which
 * `voodu apply` uses after an apply.
 */
import { CliError, failureOf, type ControllerClient } from '../../cli/client.js';
import { formatDuration, parseOutput, printJson, table } from '../../cli/output.js';
import { outputOption, type Verb } from '../../cli/verb.js';
import { RELEASES_RUN_PATH } from './contract.js';
import { followReleaseStream } from '../../cli/release-stream.js';
import { parseRef } from '../../cli/refs.js';
import type { ReleaseRecord } from '../workload/contract.js';



/**
 * Streams one release to `out`; true when it succeeded (or had already).
 * A refused request (unknown deployment, busy, no release block) throws
 * with the controller's message.
 */
export async function runReleaseStream(
  client: ControllerClient,
  ref: { scope?: string | undefined; name: string },
  force: boolean,
  out: NodeJS.WritableStream,
): Promise<boolean> {
  const res = await client.fetch('POST', RELEASES_RUN_PATH, { query: { scope: ref.scope, name: ref.name, force: force || undefined }, timeoutMs: 0 });
  if (!res.ok) throw await failureOf(res);
  const { ok, last } = await followReleaseStream(res.body, (text) => out.write(text));
  if (last === undefined) out.write('(the release stream ended before the release did)\n');
  return ok;
}

export const release: Verb = {
  name: 'release',
  args: '<ref> [action]',
  aliases: ['releases', 're'],
  description:
    "Run a deployment's release {} commands and roll its replicas onto the release (run), or list its releases (history, the default)",
  options: [{ flags: '--force', description: 'run: run it even when this spec was already released' }, outputOption],
  output: true,
  examples: ['release prod/api', 'release prod/api run', 'release prod/api run --force', 'release prod/api history -o json'],
  async run(ctx, args, opts) {
    const ref = parseRef(args[0], 'a deployment reference');
    const action = args[1] ?? 'history';
    const extra = (opts._ as string[] | undefined) ?? [];
    if (extra.length) throw new CliError(`release takes <ref> [history|run]; unexpected ${extra.map((e) => JSON.stringify(e)).join(' ')}`);
    if (action === 'run') {
      return (await runReleaseStream(ctx.client, ref, opts.force === true, ctx.stdout)) ? 0 : 1;
    }
    if (action !== 'history') throw new CliError(`${JSON.stringify(action)} is not a release action; use history or run`);
    if (opts.force !== undefined) throw new CliError('--force goes with `release <ref> run`');
    const data = await ctx.client.data<{ status?: { releases?: ReleaseRecord[] } | null }>('GET', '/describe', {
      query: { kind: 'deployment', scope: ref.scope, name: ref.name },
    });
    const releases = data?.status?.releases ?? [];
    if (parseOutput(opts.output ?? opts.o ?? ctx.output) === 'json') {
      printJson(ctx.stdout, releases);
      return 0;
    }
    if (!releases.length) {
      ctx.stdout.write(`No releases of ${ref.scope ? `${ref.scope}/` : ''}${ref.name} yet.\n`);
      return 0;
    }
    const rows = [['RELEASE', 'STATUS', 'HASH', 'IMAGE', 'STARTED', 'DURATION', 'ROLLED_BACK_FROM']];
    for (const r of releases) {
      rows.push([
        r.id,
        r.status,
        (r.spec_hash ?? '').slice(0, 8) || '-',
        r.image || '-',
        r.started_at,
        r.ended_at ? formatDuration(Date.parse(r.ended_at) - Date.parse(r.started_at), '-') : '-',
        r.rolled_back_from || '-',
      ]);
    }
    ctx.stdout.write(table(rows));
    return 0;
  },
};

export const verbs: Verb[] = [release];
