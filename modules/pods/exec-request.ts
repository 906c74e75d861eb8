/**
 * What an exec asks for, checked at the edge: the query (`tty`,
 * `interactive`, `frames`, `workdir`, `user`, `cols`, `rows`) and the JSON body
 * `{"command":[…], "env":["K=V"]}`. The body travels on the upgraded
 * connection (node hands it over unread), so it is read from there by
 * Content-Length; what follows it is the first of the process's stdin.
 * Errors never quote env values.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { PayloadTooLargeError, ValidationError } from '../../lib/errors.js';
import type { UpgradedConnection } from '../api/contract.js';
import { intParam } from './params.js';
import { queryFlag } from '../../lib/query-flag.js';

export interface ExecRequest {
  cmd: string[];
  env: Record<string, string>;
  tty: boolean;
  interactive: boolean;
  /** The client frames its side (stdin and resize frames, lib/exec-frames.ts) instead of sending raw stdin. */
  frames: boolean;
  workdir?: string;
  user?: string;
  cols?: number;
  rows?: number;
}

const MAX_BODY = 1024 * 1024;
const BODY_WAIT_MS = 10_000;
const USER = /^[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+)?$/;
const ENV_KEY = /^[^=\0\s]+$/;

export function execQuery(query: Record<string, string>): Omit<ExecRequest, 'cmd' | 'env'> {
  const out: Omit<ExecRequest, 'cmd' | 'env'> = {
    tty: queryFlag(query, 'tty', false),
    interactive: queryFlag(query, 'interactive', false),
    frames: queryFlag(query, 'frames', false),
  };
  if (query.workdir) {
    if (!query.workdir.startsWith('/') || query.workdir.includes('\0')) {
      throw new ValidationError(`query.workdir: ${JSON.stringify(query.workdir)} must be an absolute path inside the container`, { field: 'workdir' });
    }
    out.workdir = query.workdir;
  }
  if (query.user) {
    if (!USER.test(query.user)) {
      throw new ValidationError(`query.user: ${JSON.stringify(query.user)} is not a user; use name, uid, name:group or uid:gid`, { field: 'user' });
    }
    out.user = query.user;
  }
  const cols = intParam(query, 'cols', 10_000);
  const rows = intParam(query, 'rows', 10_000);
  if (cols) out.cols = cols;
  if (rows) out.rows = rows;
  return out;
}

export function execBody(body: unknown): Pick<ExecRequest, 'cmd' | 'env'> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError('body: must be a JSON object {"command":["sh","-c","…"], "env":["KEY=VALUE"]}', { field: 'body' });
  }
  const b = body as Record<string, unknown>;
  for (const key of Object.keys(b)) {
    if (key !== 'command' && key !== 'env') throw new ValidationError(`body.${key}: unknown field; accepted: command, env`, { field: key });
  }
  const cmd = b.command;
  if (!Array.isArray(cmd) || cmd.length === 0 || !cmd.every((a) => typeof a === 'string' && !a.includes('\0')) || cmd[0] === '') {
    throw new ValidationError('body.command: must be a non-empty array of strings, e.g. ["sh","-c","ls /"]', { field: 'command' });
  }
  const env: Record<string, string> = {};
  if (b.env !== undefined) {
    if (!Array.isArray(b.env)) throw new ValidationError('body.env: must be an array of "KEY=VALUE" strings', { field: 'env' });
    b.env.forEach((entry, i) => {
      const eq = typeof entry === 'string' ? entry.indexOf('=') : -1;
      const key = eq > 0 ? (entry as string).slice(0, eq) : '';
      if (!ENV_KEY.test(key) || (entry as string).includes('\0')) {
        throw new ValidationError(`body.env[${i}]: must be "KEY=VALUE" with a non-empty KEY without spaces`, { field: 'env' });
      }
      env[key] = (entry as string).slice(eq + 1);
    });
  }
  return { cmd: cmd as string[], env };
}

/** Reads the body (by Content-Length) off the upgraded connection; `rest` is what the client sent after it. */
export async function readUpgradeBody(conn: UpgradedConnection, headers: IncomingHttpHeaders): Promise<{ body: unknown; rest: Buffer }> {
  if (headers['transfer-encoding']) {
    throw new ValidationError('exec body: send it with a Content-Length, not chunked', { field: 'body' });
  }
  const raw = headers['content-length'] ?? '0';
  if (!/^\d+$/.test(raw)) throw new ValidationError(`Content-Length: ${JSON.stringify(raw)} is not a byte count`, { field: 'body' });
  const length = Number(raw);
  if (length > MAX_BODY) throw new PayloadTooLargeError(`exec body exceeds the 1 MiB limit (${length} bytes)`);
  const bytes = conn.head.length >= length ? conn.head : await readMore(conn, length);
  const text = bytes.subarray(0, length).toString('utf8');
  let body: unknown;
  if (length > 0) {
    try {
      body = JSON.parse(text);
    } catch {
      // Never echo the body: its env holds values that may be secrets.
      throw new ValidationError('exec body is not valid JSON', { field: 'body' });
    }
  }
  return { body, rest: Buffer.from(bytes.subarray(length)) };
}

function readMore(conn: UpgradedConnection, length: number): Promise<Buffer> {
  const { socket } = conn;
  return new Promise((resolve, reject) => {
    const chunks = [conn.head];
    let size = conn.head.length;
    const done = (err?: Error) => {
      clearTimeout(timer);
      socket.pause();
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      if (err) reject(err);
      else resolve(Buffer.concat(chunks));
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= length) done();
    };
    const onEnd = () => done(new ValidationError(`exec body: the connection ended after ${size} of ${length} bytes`, { field: 'body' }));
    const timer = setTimeout(
      () => done(new ValidationError(`exec body: only ${size} of ${length} bytes arrived within ${BODY_WAIT_MS / 1000} s`, { field: 'body' })),
      BODY_WAIT_MS,
    );
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
    socket.resume();
  });
}
