/**
 * `voodu run [job|cronjob] <ref>`: runs a
 * job (or a cronjob's job, now) once, streams its output while it runs,
 * and exits with the job's exit code. Without a kind a job of that name is
 * tried first, then a cronjob. The output arrives as NDJSON from
 * `POST /<kind>s/run?follow=true` (`{"log":…}` lines, then `{"run":…}`).
 * `-o json` and `--no-logs` wait for the outcome instead and print only it.
 * The `run <ref> <cmd…>` (exec) form is not here.
 */
import { CliError } from '../../cli/client.js';
import type { HttpAnswer } from '../../cli/http-answer.js';
import { formatDuration, parseOutput, printJson } from '../../cli/output.js';
import { outputOption, type Verb, type VerbContext } from '../../cli/verb.js';
import { parseRef } from '../../cli/refs.js';
import type { JobRun } from './contract.js';

type Kind = 'job' | 'cronjob';
const KINDS = new Set<string>(['job', 'cronjob', 'jobs', 'cronjobs']);

interface Outcome {
  run?: JobRun;
  skipped?: string;
}


/** The job's exit code as the CLI's own; a failure without one (never started, killed) is 1 at least. */
export function exitCodeOf(run: JobRun): number {
  if (run.status === 'succeeded') return 0;
  const code = run.exit_code;
  return typeof code === 'number' && code > 0 && code < 256 ? code : 1;
}

export const run: Verb = {
  name: 'run',
  args: '[job|cronjob] <ref>',
  description: "Run a job (or a cronjob's job) once, stream its output and exit with the job's exit code",
  options: [{ flags: '--logs', description: "stream the run's output while it runs (--no-logs: only the outcome)", default: true }, outputOption],
  output: true,
  examples: ['run prod/migrate', 'run migrate', 'run job prod/migrate', 'run cronjob ops/nightly', 'run prod/migrate -o json'],
  async run(ctx, args, opts) {
    const extra = (opts._ as string[] | undefined) ?? [];
    let kind: Kind | undefined;
    let refText = args[0];
    if (args[1] !== undefined && KINDS.has(args[0] ?? '')) {
      kind = args[0]!.replace(/s$/, '') as Kind;
      refText = args[1];
    } else if (args[1] !== undefined) {
      extra.unshift(args[1]);
    }
    if (extra.length) throw new CliError('run takes a job reference, optionally after `job` or `cronjob`; to run a command in a container use `voodu exec <pod> -- <cmd>`');
    const { scope, name } = parseRef(refText, 'a job reference');
    const ref = scope ? `${scope}/${name}` : name;
    const json = parseOutput(opts.output ?? opts.o ?? ctx.output) === 'json';
    const follow = !json && opts.logs !== false;

    const tried = kind ? [kind] : (['job', 'cronjob'] as const);
    let outcome: Outcome | undefined;
    let ranKind: Kind = tried[0]!;
    for (const k of tried) {
      const res = await ctx.client.fetch('POST', `/${k}s/run`, { query: { scope, name, ...(follow && { follow: 'true' }) }, timeoutMs: 0 });
      // Not a job of that name: without a kind, the cronjob of that name is next.
      if (res.status === 404 && !kind) {
        await res.body?.cancel();
        continue;
      }
      ranKind = k;
      outcome = follow && res.ok ? await readStream(ctx, res) : await readEnvelope(res);
      break;
    }
    if (!outcome) throw new CliError(`job or cronjob ${ref} not found — apply it first`);
    const label = ranKind === 'cronjob' ? `cronjob/${ref}` : ref;

    if (outcome.skipped !== undefined) {
      if (json) printJson(ctx.stdout, null);
      ctx.stderr.write(`job ${label} not run: ${outcome.skipped}\n`);
      return 0;
    }
    const jobRun = outcome.run!;
    if (json) {
      printJson(ctx.stdout, jobRun);
      return exitCodeOf(jobRun);
    }
    const took = formatDuration(Date.parse(jobRun.ended_at ?? '') - Date.parse(jobRun.started_at));
    if (jobRun.status === 'succeeded') {
      ctx.stdout.write(`job ${label} succeeded in ${took}\n`);
    } else {
      ctx.stdout.write(`job ${label} failed in ${took}${jobRun.exit_code !== undefined ? ` (exit ${jobRun.exit_code})` : ''}\n`);
      ctx.stdout.write(`  run_id: ${jobRun.run_id}\n`);
      if (jobRun.error) ctx.stdout.write(`  error: ${jobRun.error}\n`);
    }
    return exitCodeOf(jobRun);
  },
};

/** The `/jobs/run` envelope: a run (200 or 500), a skip, or an error that never started a run. */
async function readEnvelope(res: HttpAnswer): Promise<Outcome> {
  const text = await res.text();
  let body: { status?: string; error?: string; data?: JobRun | null; skipped?: string } | undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (typeof body?.skipped === 'string') return { skipped: body.skipped };
  const jobRun = body?.data;
  // No run in the answer: the job was never started (not found, ambiguous, bad request).
  if (!jobRun || typeof jobRun.run_id !== 'string') {
    throw new CliError(body?.error || `controller returned ${res.status}${text ? `: ${text}` : ''}`);
  }
  return { run: jobRun };
}

/** Prints `{"log":…}` lines as they arrive; the last line carries the outcome. */
async function readStream(ctx: VerbContext, res: HttpAnswer): Promise<Outcome> {
  if (!res.body) throw new CliError(`controller returned ${res.status} with no body`);
  const decoder = new TextDecoder();
  let buffered = '';
  let outcome: Outcome | undefined;
  const handle = (line: string) => {
    if (!line.trim()) return;
    let msg: { log?: unknown; run?: JobRun; skipped?: unknown; error?: unknown };
    try {
      msg = JSON.parse(line);
    } catch {
      throw new CliError(`controller sent an unreadable line: ${line.slice(0, 200)}`);
    }
    if (typeof msg.log === 'string') ctx.stdout.write(msg.log);
    else if (msg.run && typeof msg.run.run_id === 'string') outcome = { run: msg.run };
    else if (typeof msg.skipped === 'string') outcome = { skipped: msg.skipped };
  };
  for await (const chunk of res.body) {
    buffered += decoder.decode(chunk, { stream: true });
    let cut: number;
    while ((cut = buffered.indexOf('\n')) >= 0) {
      handle(buffered.slice(0, cut));
      buffered = buffered.slice(cut + 1);
    }
  }
  handle(buffered + decoder.decode());
  if (!outcome) throw new CliError('the controller closed the stream before the run ended; see `voodu describe` for its outcome');
  return outcome;
}

export const verbs: Verb[] = [run];
