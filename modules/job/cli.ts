/**
 * `voodu run <ref>` (spec plugins-and-cli.md §3.4): runs a job once and
 * waits for it, prints its output, and exits with the job's exit code.
 * The output is fetched from `GET /pods/<container>/logs` once the run has
 * finished (not streamed while it runs), so it arrives in one piece after
 * the run. The `run <ref> <cmd…>` (exec) and cronjob forms are not here.
 */
import { CliError } from '../../cli/client.js';
import { parseOutput, printJson } from '../../cli/output.js';
import { outputOption, type Verb } from '../../cli/verb.js';

/** Mirrors modules/job/contract.ts (a cli.ts imports only cli/ and lib/). */
interface JobRun {
  run_id: string;
  started_at: string;
  ended_at?: string;
  exit_code?: number;
  status: string;
  error?: string;
  container?: string;
}

function parseRef(ref: string | undefined): { scope?: string; name: string } {
  const parts = (ref ?? '').split('/');
  if (parts.length === 1 && parts[0]) return { name: parts[0] };
  if (parts.length === 2 && parts[0] && parts[1]) return { scope: parts[0], name: parts[1] };
  throw new CliError(`${JSON.stringify(ref ?? '')} is not a job reference; use <scope>/<name> (or <name> when it is unique)`);
}

/** `850ms`, `2.4s`, `3m05s`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** The job's exit code as the CLI's own; a failure without one (never started, killed) is 1 at least. */
export function exitCodeOf(run: JobRun): number {
  if (run.status === 'succeeded') return 0;
  const code = run.exit_code;
  return typeof code === 'number' && code > 0 && code < 256 ? code : 1;
}

export const run: Verb = {
  name: 'run',
  args: '<ref>',
  description: "Run a job once, wait for it, print its output and exit with the job's exit code",
  options: [{ flags: '--logs', description: 'print the run\'s output after it ends (--no-logs: only the outcome)', default: true }, outputOption],
  output: true,
  examples: ['run prod/migrate', 'run migrate', 'run prod/migrate -o json'],
  async run(ctx, args, opts) {
    const extra = (opts._ as string[] | undefined) ?? [];
    if (extra.length) throw new CliError('run takes only a job reference; to run a command in a container use `voodu exec <pod> -- <cmd>`');
    const { scope, name } = parseRef(args[0]);
    const ref = scope ? `${scope}/${name}` : name;
    const res = await ctx.client.fetch('POST', '/jobs/run', { query: { scope, name }, timeoutMs: 0 });
    const text = await res.text();
    let body: { status?: string; error?: string; data?: JobRun } | undefined;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    const jobRun = body?.data;
    // No run in the answer: the job was never started (not found, ambiguous, bad request).
    if (!jobRun || typeof jobRun.run_id !== 'string') {
      throw new CliError(body?.error || `controller returned ${res.status}${text ? `: ${text}` : ''}`);
    }
    const json = parseOutput(opts.output ?? opts.o ?? ctx.output) === 'json';
    if (json) {
      printJson(ctx.stdout, jobRun);
      return exitCodeOf(jobRun);
    }
    if (opts.logs !== false && jobRun.container) await printLogs(ctx, jobRun.container);
    const took = formatDuration(Date.parse(jobRun.ended_at ?? '') - Date.parse(jobRun.started_at));
    if (jobRun.status === 'succeeded') {
      ctx.stdout.write(`job ${ref} succeeded in ${took}\n`);
    } else {
      ctx.stdout.write(`job ${ref} failed in ${took}${jobRun.exit_code !== undefined ? ` (exit ${jobRun.exit_code})` : ''}\n`);
      ctx.stdout.write(`  run_id: ${jobRun.run_id}\n`);
      if (jobRun.error) ctx.stdout.write(`  error: ${jobRun.error}\n`);
    }
    return exitCodeOf(jobRun);
  },
};

async function printLogs(ctx: Parameters<Verb['run']>[0], container: string): Promise<void> {
  const res = await ctx.client.fetch('GET', `/pods/${encodeURIComponent(container)}/logs`, { timeoutMs: 0 }).catch(() => undefined);
  if (!res?.ok) {
    // Gone already (GC'd by a concurrent run) or no pods module: the outcome still counts.
    ctx.stderr.write(`(no output available for ${container}${res ? `: ${res.status}` : ''})\n`);
    return;
  }
  ctx.stdout.write(await res.text());
}

export const verbs: Verb[] = [run];
