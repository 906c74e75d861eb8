/**
 * What the CLI does with a plugin dispatch answer (docs/plugin-protocol.md):
 * print the message and the applied lines, run `exec_local`
 * commands here with the user's terminal, and write each `fetch_file` to a
 * new local file. Local dispatch and dispatch over SSH differ only in where
 * a fetched file's bytes come from.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { constants } from 'node:os';
import { resolve } from 'node:path';
import { CliError } from './client.js';

export interface DispatchAnswer {
  message?: string;
  applied?: string[];
  exec_local?: { command: string[] }[];
  fetch_file?: FetchFile[];
}

export interface FetchFile {
  remote_path: string;
  dest_path: string;
  size_bytes?: number;
}

export interface ActionIo {
  stdout: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

/** Copies the remote file's bytes into `file` (a fresh 0600 partial file); throws to abandon it. */
export type FetchBytes = (f: FetchFile, file: WriteStream) => Promise<void>;

/** Runs one `exec_local` argv with the user's terminal; resolves with its exit code. */
export type ExecCommand = (command: string[]) => Promise<number>;

/**
 * Resolves with the exit code: a failing `exec_local`'s own, else 0.
 * `exec` runs the commands (default: here, which is the controller's host
 * when the CLI talks to it directly; over SSH, the caller runs them there).
 */
export async function carryOut(data: DispatchAnswer, io: ActionIo, fetchBytes: FetchBytes, exec?: ExecCommand): Promise<number> {
  if (data.message) io.stdout.write(data.message.endsWith('\n') ? data.message : `${data.message}\n`);
  for (const line of data.applied ?? []) io.stdout.write(`  ✓ ${line}\n`);
  for (const e of data.exec_local ?? []) {
    if (!Array.isArray(e.command) || e.command.length === 0 || !e.command.every((c) => typeof c === 'string')) {
      throw new CliError('exec_local: the plugin answered a command that is not a non-empty list of strings');
    }
    const code = await (exec ? exec(e.command) : execLocal(io.env, e.command));
    if (code !== 0) return code;
  }
  for (const f of data.fetch_file ?? []) await fetchFile(io, f, fetchBytes);
  return 0;
}

/** Runs one `exec_local` command with the user's terminal; resolves with its exit code. */
async function execLocal(env: NodeJS.ProcessEnv, command: string[]): Promise<number> {
  const { spawn } = await import('node:child_process'); // read only by the verbs that run something here
  return new Promise((done, fail) => {
    const child = spawn(command[0]!, command.slice(1), { stdio: 'inherit', env: { ...process.env, ...env } });
    child.once('error', (err) => fail(new CliError(`exec_local ${command[0]}: ${err.message}`)));
    child.once('exit', (code, signal) => done(code ?? (signal ? 128 + (constants.signals[signal] ?? 1) : 1)));
  });
}

/** Never overwrites: the bytes land in a partial file that is renamed into place only when complete. */
async function fetchFile(io: ActionIo, f: FetchFile, fetchBytes: FetchBytes): Promise<void> {
  if (typeof f.remote_path !== 'string' || typeof f.dest_path !== 'string' || !f.remote_path || !f.dest_path) {
    throw new CliError('fetch_file: the plugin answered no remote_path/dest_path');
  }
  const dest = resolve(f.dest_path);
  if (await stat(dest).then(() => true, () => false)) throw new CliError(`fetch_file ${f.dest_path}: file already exists (move or rename it first)`);
  const partial = `${dest}.partial-${process.pid}`;
  const file = createWriteStream(partial, { flags: 'wx', mode: 0o600 });
  try {
    await new Promise<void>((ok, bad) => file.once('open', () => ok()).once('error', bad));
    await fetchBytes(f, file);
    await rename(partial, dest);
  } catch (err) {
    file.destroy();
    await rm(partial, { force: true });
    throw new CliError(`fetch_file ${f.remote_path} → ${f.dest_path}: ${(err as Error).message}`);
  }
  io.stdout.write(`  ✓ wrote ${f.dest_path} (${(await stat(dest)).size} bytes)\n`);
}
