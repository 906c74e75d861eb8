/**
 * Exec in a running container: collected (run to completion) or as a live
 * session. The exit code is not in the stream; it is read from the exec's
 * inspect once the output has ended.
 */
import { once } from 'node:events';
import { PassThrough, type Duplex, type Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import type { ExecOptions, ExecResult, ExecSession } from './contract.js';

export async function createExec(
  container: Docker.Container,
  options: Omit<ExecOptions, 'stdin'>,
  attachStdin: boolean,
): Promise<Docker.Exec> {
  return container.exec({
    Cmd: [...options.cmd],
    AttachStdin: attachStdin,
    AttachStdout: true,
    AttachStderr: true,
    Tty: Boolean(options.tty),
    ...(options.env && { Env: Object.entries(options.env).map(([k, v]) => `${k}=${v}`) }),
    ...(options.workdir && { WorkingDir: options.workdir }),
    ...(options.user && { User: options.user }),
  });
}

/** Starts the exec; with stdin the connection is hijacked so we can write to the process. */
export async function startExec(exec: Docker.Exec, stdin: boolean, tty: boolean): Promise<Duplex> {
  return exec.start({ hijack: stdin, stdin, Tty: tty });
}

/** Waits out the short window where the engine has closed the stream but not yet recorded the exit. */
export async function exitCodeOf(exec: Docker.Exec, budgetMs = 5000): Promise<number> {
  const deadline = Date.now() + budgetMs;
  for (;;) {
    const info = await exec.inspect();
    if (!info.Running && info.ExitCode !== null) return info.ExitCode;
    if (Date.now() > deadline) throw new Error(`exec ${exec.id} still running ${budgetMs} ms after its output ended`);
    await sleep(20);
  }
}

export async function collectExec(docker: Docker, exec: Docker.Exec, options: ExecOptions): Promise<ExecResult> {
  const hasStdin = options.stdin !== undefined;
  const tty = Boolean(options.tty);
  const stream = await startExec(exec, hasStdin, tty);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdout = new PassThrough().on('data', (c: Buffer) => out.push(c));
  const stderr = new PassThrough().on('data', (c: Buffer) => err.push(c));
  if (tty) stream.on('data', (c: Buffer) => stdout.write(c));
  else docker.modem.demuxStream(stream, stdout, stderr);
  const ended = streamEnd(stream);
  // Half-close after the bytes: that is the EOF a `wc -c` or `cat` waits for.
  if (hasStdin) stream.end(options.stdin);
  await ended;
  return {
    exitCode: await exitCodeOf(exec),
    stdout: Buffer.concat(out).toString('utf8'),
    stderr: Buffer.concat(err).toString('utf8'),
  };
}

export function sessionOf(exec: Docker.Exec, stream: Duplex): ExecSession {
  const ended = streamEnd(stream);
  return {
    stream,
    exitCode: async () => {
      await ended;
      return exitCodeOf(exec);
    },
    resize: async (cols, rows) => {
      await exec.resize({ w: cols, h: rows });
    },
  };
}

/** Resolves when the output is over, whichever of end/close/error comes first. */
function streamEnd(stream: Readable): Promise<void> {
  return Promise.race([once(stream, 'end'), once(stream, 'close')]).then(
    () => undefined,
    () => undefined,
  );
}
