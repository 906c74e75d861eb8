/**
 * A plugin verb over SSH: the host dispatches it (`-o json`, captured; its
 * progress lines pass through on stderr as they come). `exec_local` runs ON
 * THE HOST, where the plugin meant it (`docker exec -it <pod> psql` names a
 * container of that host), through `ssh -tt` when this side has a terminal,
 * its argv quoted word by word; `fetch_file` copies the host's file back
 * over ssh (`cat`), never overwriting a local file.
 */
import { finished } from 'node:stream/promises';
import { CliError } from './client.js';
import { carryOut, type DispatchAnswer } from './plugin-actions.js';
import type { Remote } from './remote/store.js';
import { describeRemote, runRemote, shellQuote, type SshIo } from './ssh.js';

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
  return carryOut(data, io, async (f, file) => {
    const res = await runRemote(remote, [], io, { raw: `cat -- ${shellQuote(f.remote_path)}`, stdoutTo: file, input: '', quiet: true });
    await finished(file);
    if (res.code !== 0) throw new CliError(`cannot read it on ${describeRemote(remote)}: ${res.stderr.trim() || `cat exited ${res.code}`}`);
  }, async (command) => {
    const tty = Boolean((io.stdin ?? process.stdin) === process.stdin && process.stdin.isTTY);
    return (await runRemote(remote, [], io, { raw: command.map(shellQuote).join(' '), tty })).code;
  });
}
