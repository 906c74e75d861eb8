/**
 * Running one plugin command as a subprocess (docs/plugin-protocol.md):
 * argv only (never a shell), cwd = the plugin dir, env layered
 * controller → VOODU_PLUGIN_DIR → plugin.yml env → per call, stdin only
 * when given, output captured up to a bound. The child leads its own
 * process group, so a timeout, an abort or an overflow kills everything it
 * started, not just the first process.
 */
import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { VooduError, ValidationError } from '../../lib/errors.js';
import type { LoadedPlugin, PluginEnvelope } from './contract.js';
import { inheritedEnv } from './inherited-env.js';

export const DEFAULT_TIMEOUT_MS = 60_000;
export const MAX_STDOUT = 8 * 1024 * 1024;
export const MAX_STDERR = 1024 * 1024;

export interface RunOptions {
  args?: string[];
  stdin?: string;
  /** Per-call env: wins over everything else. */
  env?: Record<string, string>;
  timeoutMs?: number;
  signal?: AbortSignal;
  maxStdout?: number;
  maxStderr?: number;
  /** Each complete line of stderr as it arrives (progress of a long command); stderr is still collected whole. */
  onStderrLine?: (line: string) => void;
  /** Told how the run ended and how long it took (the plugin metrics). */
  observe?: RunObserver;
}

/**
 * `ok`: exit 0 and no error envelope; `failed`: the plugin said no (non-zero
 * exit or an error envelope); `error`: it could not run to completion
 * (missing, timed out, cancelled, overflowed).
 */
export type RunOutcome = 'ok' | 'failed' | 'error';
export type RunObserver = (plugin: string, command: string, outcome: RunOutcome, seconds: number) => void;

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Present when stdout is a `{status, data, error}` envelope. */
  envelope?: PluginEnvelope;
}

/** A plugin could not be run to completion (not found, timeout, overflow): 500 at the edges. */
export class PluginRunError extends VooduError {}

/** The argv for `command`: its own file, or the entrypoint with the command as argv[1]. */
export async function argvFor(plugin: LoadedPlugin, command: string, args: string[]): Promise<string[]> {
  const name = plugin.manifest.name;
  const path = plugin.commands.get(command);
  if (!path) throw new ValidationError(`plugin "${name}": command "${command}" not found`, { field: 'command' });
  const st = await stat(path).catch(() => undefined);
  if (plugin.manifest.entrypoint) {
    if (!st?.isFile()) {
      throw new PluginRunError(
        `plugin "${name}": entrypoint "${plugin.manifest.entrypoint}" not found or not a file at ${path} — did the install hook fetch the binary?`,
      );
    }
    return [path, command, ...args];
  }
  if (!st?.isFile()) throw new PluginRunError(`plugin "${name}": command "${command}" is not a file at ${path}`);
  return [path, ...args];
}

/**
 * Envelope detection on stdout: a JSON object with a non-empty string
 * `status`. Anything else is plain text. `error`, when present, must be a string.
 */
export function parseEnvelope(stdout: string): PluginEnvelope | undefined {
  const text = stdout.trim();
  if (!text.startsWith('{')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const o = parsed as Record<string, unknown>;
  if (typeof o.status !== 'string' || !o.status) return undefined;
  return {
    status: o.status,
    ...(o.data !== undefined ? { data: o.data } : {}),
    ...(o.error !== undefined && o.error !== null ? { error: typeof o.error === 'string' ? o.error : JSON.stringify(o.error) } : {}),
  };
}

const DETAIL_MAX = 2000;

/** What went wrong, in the plugin's words: envelope error → stderr → stdout → "no output" (bounded). */
export function errorDetail(result: RunResult): string {
  // Plugins report failures as an error envelope on stderr (the reference's convention): show its message, not the JSON.
  // Progress lines may come before it: the envelope is the last line.
  const lastLine = result.stderr.trimEnd().split('\n').at(-1) ?? '';
  const stderrEnvelope = parseEnvelope(result.stderr) ?? parseEnvelope(lastLine);
  const fromStderr = stderrEnvelope?.status === 'error' ? stderrEnvelope.error?.trim() : undefined;
  const text = result.envelope?.error?.trim() || fromStderr || result.stderr.trim() || result.stdout.trim() || 'no output';
  return text.length > DETAIL_MAX ? `…${text.slice(-DETAIL_MAX)}` : text;
}

function killGroup(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Runs `command` of `plugin`. Resolves with any exit code; rejects when it could not run to completion. */
export async function runPlugin(plugin: LoadedPlugin, command: string, opts: RunOptions = {}): Promise<RunResult> {
  // A command the plugin does not have is refused before any run, and never becomes a label value.
  if (!opts.observe || !plugin.commands.has(command)) return runOnce(plugin, command, opts);
  const observe = opts.observe;
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  return runOnce(plugin, command, opts).then(
    (result) => {
      observe(plugin.manifest.name, command, result.exitCode === 0 && result.envelope?.status !== 'error' ? 'ok' : 'failed', seconds());
      return result;
    },
    (err: unknown) => {
      observe(plugin.manifest.name, command, err instanceof ValidationError ? 'failed' : 'error', seconds());
      throw err;
    },
  );
}

async function runOnce(plugin: LoadedPlugin, command: string, opts: RunOptions): Promise<RunResult> {
  const name = plugin.manifest.name;
  const argv = await argvFor(plugin, command, opts.args ?? []);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxOut = opts.maxStdout ?? MAX_STDOUT;
  const maxErr = opts.maxStderr ?? MAX_STDERR;
  const env: NodeJS.ProcessEnv = { ...inheritedEnv(), VOODU_PLUGIN_DIR: plugin.dir, ...plugin.manifest.env, ...opts.env };

  return new Promise<RunResult>((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: plugin.dir,
      env,
      stdio: [opts.stdin !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      detached: true, // its own process group: one kill reaches every descendant
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    let failure: PluginRunError | undefined;
    let settled = false;

    const fail = (why: PluginRunError) => {
      if (failure) return;
      failure = why;
      killGroup(child.pid);
    };
    const timer = setTimeout(() => fail(new PluginRunError(`plugin "${name}": ${command} timed out after ${Math.round(timeoutMs / 1000)}s; it and its children were killed`)), timeoutMs);
    const onAbort = () => fail(new PluginRunError(`plugin "${name}": ${command} was cancelled`));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.signal?.aborted) onAbort();

    child.stdout!.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > maxOut) return fail(new PluginRunError(`plugin "${name}": ${command} wrote more than ${maxOut} bytes to stdout; it was killed`));
      out.push(chunk);
    });
    let partial = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      errBytes += chunk.length;
      if (errBytes > maxErr) return fail(new PluginRunError(`plugin "${name}": ${command} wrote more than ${maxErr} bytes to stderr; it was killed`));
      err.push(chunk);
      if (opts.onStderrLine) {
        const lines = (partial + chunk.toString('utf8')).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) if (line.trim()) opts.onStderrLine(line.replace(/\r$/, ''));
      }
    });
    if (opts.stdin !== undefined) {
      // A plugin that never reads stdin closes it early: not an error of ours.
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(opts.stdin);
    }

    const finish = (exitCode: number | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (failure) return reject(failure);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      const envelope = parseEnvelope(stdout);
      resolve({ exitCode: exitCode ?? 1, stdout, stderr, ...(envelope ? { envelope } : {}) });
    };
    child.once('error', (e) => {
      clearTimeout(timer);
      if (!failure) failure = new PluginRunError(`plugin "${name}": cannot run ${command} (${argv[0]}): ${e.message}`);
      finish(null);
    });
    // 'close' waits for stdout/stderr to end: a background child still holding them keeps us (bounded by the timeout).
    child.once('close', (code, signal) => finish(code ?? (signal ? 128 : 1)));
  });
}
