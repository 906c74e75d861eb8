/**
 * A container's log, split back into stdout and stderr. The engine
 * multiplexes both onto one stream with 8-byte frame headers, except for
 * tty containers, whose output is one raw stream (it all lands on stdout).
 */
import { PassThrough, type Readable } from 'node:stream';
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

export function splitLogs(docker: Docker, source: Readable, tty: boolean): LogStream {
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
  if (tty) source.on('data', (chunk: Buffer) => stdout.write(chunk));
  else docker.modem.demuxStream(source, stdout, stderr);
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
