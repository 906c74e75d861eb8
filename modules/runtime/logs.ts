/**
 * A container's log, split back into stdout and stderr. The engine
 * multiplexes both onto one stream with 8-byte frame headers, except for
 * tty containers, whose output is one raw stream (it all lands on stdout).
 */
import { PassThrough, type Readable, type Writable } from 'node:stream';
import type Docker from 'dockerode';
import { ValidationError } from '../../lib/errors.js';
import type { LogOptions, LogStream } from './contract.js';

/**
 * Dials the logs endpoint as a stream whatever `follow` says: dockerode's
 * `logs()` buffers the whole answer when not following, and would even
 * JSON-parse a tty log that happens to be valid JSON.
 */
export function dialLogs(docker: Docker, id: string, options: LogOptions): Promise<Readable> {
  const query = {
    follow: Boolean(options.follow),
    stdout: true,
    stderr: true,
    timestamps: Boolean(options.timestamps),
    tail: options.tail === undefined ? 'all' : String(Math.max(0, Math.floor(options.tail))),
    ...(options.since !== undefined && { since: sinceParam(options.since) }),
  };
  return new Promise((resolve, reject) => {
    docker.modem.dial(
      {
        path: `/containers/${encodeURIComponent(id)}/logs?`,
        method: 'GET',
        isStream: true,
        statusCodes: { 200: true, 404: 'no such container', 500: 'server error' },
        options: query,
      },
      (err: unknown, stream: unknown) => (err ? reject(err) : resolve(stream as Readable)),
    );
  });
}

/**
 * Copies the engine's log stream to `stdout`/`stderr`, taking the frames
 * apart unless `tty`, with backpressure: while a side cannot take more
 * (a slow `logs -f` client), the source is paused, so the engine waits
 * instead of the controller buffering without limit. (docker-modem's
 * `demuxStream` ignores what `write` answers.) A frame is 8 bytes of
 * header — stream 1 stdout or 2 stderr, 3 zero bytes, a big-endian
 * length — then that many bytes.
 */
export function pipeDemuxed(source: Readable, stdout: Writable, stderr: Writable, tty: boolean): void {
  let pending: Buffer = Buffer.alloc(0);
  const full = new Set<Writable>();
  const write = (target: Writable, bytes: Buffer) => {
    if (!target.write(bytes) && !full.has(target)) {
      full.add(target);
      target.once('drain', () => {
        full.delete(target);
        if (!full.size) source.resume();
      });
    }
  };
  source.on('data', (chunk: Buffer) => {
    if (tty) write(stdout, chunk);
    else {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length >= 8) {
        const size = pending.readUInt32BE(4);
        if (pending.length < 8 + size) break;
        write(pending[0] === 2 ? stderr : stdout, pending.subarray(8, 8 + size));
        pending = pending.subarray(8 + size);
      }
    }
    if (full.size) source.pause();
  });
}

export function splitLogs(source: Readable, tty: boolean): LogStream {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let finished = false;
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  // `done` never rejects: nobody is obliged to await it, and an unheard
  // rejection would take the whole controller down.
  const finish = () => {
    if (finished) return;
    finished = true;
    stdout.end();
    stderr.end();
    resolveDone();
  };
  pipeDemuxed(source, stdout, stderr, tty);
  source.once('end', finish);
  source.once('close', finish);
  source.once('error', finish);
  return {
    stdout,
    stderr,
    done,
    close() {
      source.destroy();
      finish();
    },
  };
}

/** The API wants Unix seconds; RFC 3339 is converted here as the docker CLI does client-side. */
export function sinceParam(since: string | number): string {
  if (typeof since === 'number' && Number.isFinite(since)) return String(since);
  if (typeof since === 'string' && /^\d+(\.\d+)?$/.test(since)) return since;
  const ms = typeof since === 'string' ? Date.parse(since) : NaN;
  if (Number.isNaN(ms)) {
    throw new ValidationError(`since: ${JSON.stringify(since)} is neither Unix seconds nor an RFC 3339 time`, { field: 'since' });
  }
  return (ms / 1000).toFixed(3);
}
