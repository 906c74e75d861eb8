/**
 * Running `voodu` on a remote host through the system `ssh` (docs/cli.md,
 * remotes). ssh gets an argv array; the one string that is
 * built here is the remote command line, which sshd hands to the remote
 * shell, so every token in it is single-quoted.
 */
import { constants } from 'node:os';
import type { Writable } from 'node:stream';
import { CliError } from './client.js';
import type { Remote } from './remote/store.js';

export interface SshIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin?: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
}

/** `it's` → `'it'\''s'`: safe in any POSIX shell, whatever the bytes. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function remoteBin(env: NodeJS.ProcessEnv): string {
  // The operator's own setting (a path, or `node /opt/voodu/bin/voodu.js`), used as written.
  return env.VOODU_REMOTE_BIN?.trim() || 'voodu';
}

/** The remote command line for `voodu <args>`; VOODU_NO_REMOTE stops the host's voodu from forwarding again. */
export function remoteCommand(env: NodeJS.ProcessEnv, args: string[]): string {
  return `VOODU_NO_REMOTE=1 ${remoteBin(env)} ${args.map(shellQuote).join(' ')}`.trimEnd();
}

export function connectTimeout(env: NodeJS.ProcessEnv): number {
  const raw = env.VOODU_SSH_CONNECT_TIMEOUT;
  if (raw === undefined || raw === '') return 5;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 600) throw new CliError(`VOODU_SSH_CONNECT_TIMEOUT: "${raw}" is not a number of seconds; use 1-600`);
  return n;
}

export const destination = (r: Remote) => (r.user ? `${r.user}@${r.host}` : r.host);
export const describeRemote = (r: Remote) => `${r.name} (${destination(r)}${r.port ? `:${r.port}` : ''})`;
const sshHint = (r: Remote) => `ssh${r.port ? ` -p ${r.port}` : ''}${r.identity ? ` -i ${r.identity}` : ''} ${destination(r)}`;

/** ssh's argv: batch mode (never a password prompt), a connect timeout, the user's agent and config untouched. */
export function sshArgv(remote: Remote, env: NodeJS.ProcessEnv, command: string, tty: boolean): string[] {
  const argv = ['-o', 'BatchMode=yes', '-o', `ConnectTimeout=${connectTimeout(env)}`, tty ? '-tt' : '-T'];
  if (remote.port) argv.push('-p', String(remote.port));
  const identity = env.VOODU_SSH_IDENTITY || remote.identity;
  if (identity) argv.push('-i', identity);
  // Extra ssh options, whitespace-separated (e.g. `-o UserKnownHostsFile=/tmp/kh`): an escape hatch for tests and odd setups.
  argv.push(...(env.VOODU_SSH_OPTIONS ?? '').split(/\s+/).filter(Boolean));
  argv.push('--', destination(remote), command);
  return argv;
}

export interface RunOptions {
  /** Bytes for the remote stdin (manifests); otherwise the local stdin is passed through. */
  input?: string;
  /** Collect stdout instead of passing it through. */
  capture?: boolean;
  /** Write stdout here instead (fetch_file). */
  stdoutTo?: Writable;
  tty?: boolean;
  /** A full remote shell line instead of `voodu <args>` (preflight, cat). */
  raw?: string;
  /** Keep ssh's stderr off the terminal (preflight reads it). */
  quiet?: boolean;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs one command on the remote; resolves with its exit code. ssh's own failure (255) is a CliError naming the host and the fix. */
export async function runRemote(remote: Remote, args: string[], io: SshIo, opts: RunOptions = {}): Promise<RunResult> {
  const command = opts.raw ?? remoteCommand(io.env, args);
  const argv = sshArgv(remote, io.env, command, opts.tty === true);
  if (io.env.VOODU_DEBUG === '1') io.stderr.write(`voodu-debug: ssh ${argv.join(' ')}\n`);
  const stdin = io.stdin ?? process.stdin;
  const inheritIn = opts.input === undefined && stdin === process.stdin;
  const inheritOut = !opts.capture && !opts.stdoutTo && io.stdout === process.stdout;
  // Imported here: only a command that goes over ssh needs child_process, and reading it slows every start.
  const { spawn } = await import('node:child_process');
  const child = spawn('ssh', argv, {
    stdio: [inheritIn ? 'inherit' : 'pipe', inheritOut ? 'inherit' : 'pipe', opts.tty && !opts.quiet && io.stderr === process.stderr ? 'inherit' : 'pipe'],
    env: { ...process.env, ...io.env },
  });
  let out = '';
  let err = '';
  if (child.stdin) {
    child.stdin.on('error', () => undefined); // the remote may exit before reading everything
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else stdin.pipe(child.stdin);
  }
  if (child.stdout) {
    if (opts.stdoutTo) child.stdout.pipe(opts.stdoutTo);
    else if (opts.capture) child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    else child.stdout.on('data', (c: Buffer) => io.stdout.write(c));
  }
  child.stderr?.on('data', (c: Buffer) => {
    err = (err + c.toString()).slice(-8192);
    if (!opts.quiet) io.stderr.write(c);
  });
  const code = await new Promise<number>((done, fail) => {
    child.once('error', (e) => fail(new CliError(`cannot run ssh: ${e.message}; install the OpenSSH client (ssh) to use remotes`)));
    child.once('close', (c, signal) => done(c ?? (signal ? 128 + (constants.signals[signal] ?? 1) : 1)));
  });
  if (!inheritIn && opts.input === undefined && child.stdin) stdin.unpipe(child.stdin);
  if (code === 255) throw sshFailure(remote, io.env, err);
  return { code, stdout: out, stderr: err };
}

function sshFailure(remote: Remote, env: NodeJS.ProcessEnv, stderr: string): CliError {
  const last = stderr.trim().split('\n').filter(Boolean).pop() ?? '';
  const why = /timed out/i.test(last)
    ? `no answer within ${connectTimeout(env)} s (VOODU_SSH_CONNECT_TIMEOUT)`
    : last || 'ssh exited 255';
  return new CliError(
    `ssh to remote ${describeRemote(remote)} failed: ${why}. Check that \`${sshHint(remote)}\` works from this machine, that your key is loaded (\`ssh-add -l\`) or given with --identity, and that the host is in known_hosts.`,
  );
}

/**
 * One ssh call that tells plainly what is missing on the host: the voodu
 * binary, or a controller answering it. Resolves when both are there.
 */
export async function preflight(remote: Remote, io: SshIo, globals: string[] = []): Promise<void> {
  const bin = remoteBin(io.env);
  const first = bin.split(/\s+/)[0]!;
  const script = [
    `if ! command -v ${shellQuote(first)} >/dev/null 2>&1; then echo voodu-preflight:no-bin; exit 0; fi`,
    // Exit 2 is a degraded controller: it answers, and the command says what fails.
    `out=$(${remoteCommand(io.env, [...globals, 'health'])} 2>&1); rc=$?; if [ $rc -eq 0 ] || [ $rc -eq 2 ]; then echo voodu-preflight:ok; else echo voodu-preflight:no-controller; printf '%s\\n' "$out"; fi`,
  ].join('; ');
  const res = await runRemote(remote, [], io, { raw: script, capture: true, quiet: true, input: '' });
  const lines = res.stdout.trim().split('\n');
  const verdict = lines[0]?.trim();
  if (verdict === 'voodu-preflight:ok') return;
  if (verdict === 'voodu-preflight:no-bin') {
    throw new CliError(`the remote ${describeRemote(remote)} has no voodu installed (\`${first}\` is not on its PATH); install voodu there, or set VOODU_REMOTE_BIN to its path`);
  }
  if (verdict === 'voodu-preflight:no-controller') {
    const detail = lines.slice(1).join(' ').replace(/^voodu:\s*/, '').trim();
    throw new CliError(
      `voodu is installed on ${describeRemote(remote)} but no controller answers there${detail ? `: ${detail}` : ''}; start it on the host (systemctl start voodu-controller)`,
    );
  }
  throw new CliError(`preflight on ${describeRemote(remote)} gave no answer (exit ${res.code}${res.stderr.trim() ? `: ${res.stderr.trim().split('\n').pop()}` : ''})`);
}
