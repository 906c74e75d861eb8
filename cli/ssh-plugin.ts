/**
 * A plugin verb over SSH: the host dispatches it (`-o json`, captured), and
 * the CLI-side actions happen HERE, as they would locally: `exec_local`
 * runs on this machine with the user's terminal, `fetch_file` copies the
 * host's file back over ssh (`cat`), never overwriting a local file.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { constants } from 'node:os';
import { resolve } from 'node:path';
import { finished } from 'node:stream/promises';
import { CliError } from './client.js';
import type { Remote } from './remote/store.js';
import { describeRemote, runRemote, shellQuote, type SshIo } from './ssh.js';

interface DispatchAnswer {
  message?: string;
  applied?: string[];
  exec_local?: { command: string[] }[];
  fetch_file?: { remote_path: string; dest_path: string }[];
}

export async function forwardPlugin(remote: Remote, globals: string[], rest: string[], io: SshIo): Promise<number> {
  const res = await runRemote(remote, [...globals, '-o', 'json', ...rest], io, { capture: true, input: '' });
  if (res.code !== 0) return res.code;
  let data: DispatchAnswer;
  try {
    data = ((JSON.parse(res.stdout) as { data?: DispatchAnswer }).data ?? {}) as DispatchAnswer;
  } catch {
    // Help text and other plain answers are passed on as they came.
    io.stdout.write(res.stdout);
    return 0;
  }
  if (data.message) io.stdout.write(data.message.endsWith('\n') ? data.message : `${data.message}\n`);
  for (const line of data.applied ?? []) io.stdout.write(`  ✓ ${line}\n`);
  for (const e of data.exec_local ?? []) {
    if (!Array.isArray(e.command) || e.command.length === 0 || !e.command.every((c) => typeof c === 'string')) {
      throw new CliError('exec_local: the plugin answered a command that is not a non-empty list of strings');
    }
    const code = await execLocal(io, e.command);
    if (code !== 0) return code;
  }
  for (const f of data.fetch_file ?? []) await fetchOverSsh(remote, io, f);
  return 0;
}

function execLocal(io: SshIo, command: string[]): Promise<number> {
  return new Promise((done, fail) => {
    const child = spawn(command[0]!, command.slice(1), { stdio: 'inherit', env: { ...process.env, ...io.env } });
    child.once('error', (err) => fail(new CliError(`exec_local ${command[0]}: ${err.message}`)));
    child.once('exit', (code, signal) => done(code ?? (signal ? 128 + (constants.signals[signal] ?? 1) : 1)));
  });
}

async function fetchOverSsh(remote: Remote, io: SshIo, f: { remote_path: string; dest_path: string }): Promise<void> {
  if (typeof f.remote_path !== 'string' || typeof f.dest_path !== 'string' || !f.remote_path || !f.dest_path) {
    throw new CliError('fetch_file: the plugin answered no remote_path/dest_path');
  }
  const dest = resolve(f.dest_path);
  if (await stat(dest).then(() => true, () => false)) throw new CliError(`fetch_file ${f.dest_path}: file already exists (move or rename it first)`);
  const partial = `${dest}.partial-${process.pid}`;
  const file = createWriteStream(partial, { flags: 'wx', mode: 0o600 });
  try {
    await new Promise<void>((ok, bad) => file.once('open', () => ok()).once('error', bad));
    const res = await runRemote(remote, [], io, { raw: `cat -- ${shellQuote(f.remote_path)}`, stdoutTo: file, input: '', quiet: true });
    await finished(file);
    if (res.code !== 0) throw new CliError(`cannot read it on ${describeRemote(remote)}: ${res.stderr.trim() || `cat exited ${res.code}`}`);
    await rename(partial, dest);
  } catch (err) {
    file.destroy();
    await rm(partial, { force: true });
    throw new CliError(`fetch_file ${f.remote_path} → ${f.dest_path}: ${(err as Error).message}`);
  }
  io.stdout.write(`  ✓ wrote ${f.dest_path} (${(await stat(dest)).size} bytes)\n`);
}
