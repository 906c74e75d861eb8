/**
 * `POST /pods/{name}/exec` over a hijacked connection. Needs the Upgrade
 * handshake (node's HTTP parser owns any other socket). Everything that can
 * be checked is checked before the `101`, so mistakes come back as plain
 * HTTP errors; after it the socket speaks lib/exec-frames.ts: output frames
 * (docker's 8-byte headers, tty output on stdout) and a last frame with the
 * exit code. stdin flows raw the other way when `interactive=true`, or
 * framed with the terminal's resizes when `frames=true`.
 */
import type { Duplex } from 'node:stream';
import { type Logger } from '../../kernel/index.js';
import { ConflictError, ValidationError, messageOf } from '../../lib/errors.js';
import { FrameDecoder, STREAM_RESIZE, STREAM_STDERR, STREAM_STDIN, STREAM_STDOUT, decodeResize, encodeFrame, encodeTrailer } from '../../lib/exec-frames.js';
import type { ApiRequest, RawContext, UpgradedConnection } from '../api/contract.js';
import type { ExecSession, Runtime } from '../runtime/contract.js';
import { vooduContainer } from './detail.js';
import { execBody, execQuery, readUpgradeBody, type ExecRequest } from './exec-request.js';

export const UPGRADE_REQUIRED =
  'exec takes over the connection: send the request with the headers "Connection: Upgrade" and "Upgrade: tcp" (as `docker exec` does), then read the stream after the 101 answer';

export async function serveExec(runtime: Runtime, log: Logger, pod: string, req: ApiRequest, raw: RawContext): Promise<void> {
  const wantsTcp = String(req.headers.upgrade ?? '').toLowerCase() === 'tcp';
  if (!raw.claimUpgrade || !wantsTcp) throw new ValidationError(UPGRADE_REQUIRED, { field: 'headers' });
  const conn = raw.claimUpgrade();
  const query = execQuery(req.query);
  const { body, rest } = await readUpgradeBody(conn, req.headers);
  const exec: ExecRequest = { ...query, ...execBody(body) };
  const container = await vooduContainer(runtime, pod);
  if (!container.running) throw new ConflictError(`pod "${pod}" is not running (${container.status || container.state}); start it first`);
  const session = await runtime.execSession(pod, {
    cmd: exec.cmd,
    env: exec.env,
    tty: exec.tty,
    stdin: exec.interactive,
    ...(exec.workdir && { workdir: exec.workdir }),
    ...(exec.user && { user: exec.user }),
  });
  conn.accept();
  if (exec.tty && exec.cols && exec.rows && session.resize) {
    await session.resize(exec.cols, exec.rows).catch((err) => log.debug(`exec resize in ${pod}: ${messageOf(err)}`));
  }
  // Only argv[0]: the rest of a command line (a psql URL, a token) can be a secret.
  const resize = exec.tty && session.resize ? session.resize.bind(session) : undefined;
  const onResize = (cols: number, rows: number) => void resize?.(cols, rows).catch((err) => log.debug(`exec resize in ${pod}: ${messageOf(err)}`));
  const code = await relay(conn, session, exec, rest, onResize);
  log.info(`exec ${JSON.stringify(exec.cmd[0])} in ${pod} ended: ${code === undefined ? 'client went away' : `exit ${code}`}`);
}

/** Pumps both ways until the process ends; resolves with its exit code (undefined if the client left first). */
async function relay(conn: UpgradedConnection, session: ExecSession, exec: ExecRequest, rest: Buffer, onResize: (cols: number, rows: number) => void): Promise<number | undefined> {
  const { socket } = conn;
  const out = session.stream;
  let clientGone = false;
  socket.once('close', () => {
    clientGone = true;
    out.destroy(); // nobody reads the output any more; a tty process gets its hangup
  });
  out.on('error', () => undefined); // the end is read from exitCode(), not from stream errors

  let waiting = false;
  const send = (frame: Buffer) => {
    if (!socket.write(frame) && !waiting) {
      waiting = true;
      out.pause();
      socket.once('drain', () => {
        waiting = false;
        out.resume();
      });
    }
  };
  const decoder = new FrameDecoder();
  out.on('data', (chunk: Buffer) => {
    if (exec.tty) return send(encodeFrame(STREAM_STDOUT, chunk));
    for (const f of decoder.push(chunk)) {
      if (f.type === STREAM_STDOUT || f.type === STREAM_STDERR) send(encodeFrame(f.type, f.payload));
    }
  });

  if (exec.frames) pipeFrames(socket, exec.interactive ? out : undefined, rest, onResize);
  else if (exec.interactive) pipeStdin(socket, out, rest);
  else socket.resume(); // stdin not attached: drain whatever the client sends

  let trailer: Buffer;
  let code: number | undefined;
  try {
    code = await session.exitCode();
    trailer = encodeTrailer({ exit_code: code });
  } catch (err) {
    if (clientGone) return undefined;
    trailer = encodeTrailer({ error: `exec failed: ${messageOf(err)}` });
  }
  if (clientGone) return undefined;
  socket.end(trailer);
  return code;
}

/** Stdin frames no bigger than this: the CLI sends what one read gave it (64 KiB). */
const MAX_CLIENT_FRAME = 1024 * 1024;

/**
 * Client frames → the process's stdin (type 0, when attached) and the tty's
 * size (type 4), in the order sent; the client's half-close is EOF. A frame
 * that does not decode ends the session: the stream is no longer in step.
 */
function pipeFrames(socket: Duplex, stdin: Duplex | undefined, first: Buffer, onResize: (cols: number, rows: number) => void): void {
  const decoder = new FrameDecoder(MAX_CLIENT_FRAME);
  let waiting = false;
  const take = (chunk: Buffer) => {
    let frames;
    try {
      frames = decoder.push(chunk);
    } catch {
      socket.destroy();
      return;
    }
    for (const f of frames) {
      if (f.type === STREAM_RESIZE) {
        const size = decodeResize(f.payload);
        if (size) onResize(size.cols, size.rows);
      } else if (f.type === STREAM_STDIN && stdin && !stdin.write(f.payload) && !waiting) {
        waiting = true;
        socket.pause();
        stdin.once('drain', () => {
          waiting = false;
          socket.resume();
        });
      }
    }
  };
  if (first.length) take(first);
  socket.on('data', take);
  socket.once('end', () => stdin?.end());
  socket.resume();
}

/** Client bytes → the process's stdin, with backpressure; the client's half-close is the process's EOF. */
function pipeStdin(socket: Duplex, stdin: Duplex, first: Buffer): void {
  if (first.length) stdin.write(first);
  let waiting = false;
  socket.on('data', (chunk: Buffer) => {
    if (!stdin.write(chunk) && !waiting) {
      waiting = true;
      socket.pause();
      stdin.once('drain', () => {
        waiting = false;
        socket.resume();
      });
    }
  });
  socket.once('end', () => stdin.end());
  socket.resume();
}
