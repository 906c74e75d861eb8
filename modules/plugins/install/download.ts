/**
 * Streams a release tarball to a file, hashing it on the way. got's stream
 * API does not retry by itself, so each attempt is a fresh stream into a
 * fresh file, with backoff between attempts on 5xx and network errors.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Got } from 'got';
import { gotErrors, loadGot } from '../../../lib/lazy-got.js';
import { ValidationError } from '../../../lib/errors.js';
import { apiError, headersFor } from './github.js';

export interface DownloadOptions {
  api: string;
  token?: string;
  retries: number;
  backoffMs: number;
  /** Whole-attempt budget. */
  timeoutMs: number;
  maxBytes: number;
  onProgress?(line: string): void;
  signal?: AbortSignal;
}

export interface Downloaded {
  sha256: string;
  bytes: number;
}

export async function download(url: string, dest: string, label: string, opts: DownloadOptions): Promise<Downloaded> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await attemptOnce((await loadGot()).default, url, dest, label, opts);
    } catch (err) {
      await rm(dest, { force: true });
      const g = gotErrors();
      const retryable = !(err instanceof ValidationError) && !(g && err instanceof g.HTTPError && err.response.statusCode < 500);
      if (!retryable || attempt >= opts.retries || opts.signal?.aborted) {
        throw err instanceof ValidationError ? err : apiError(err, label);
      }
      const delay = Math.min(opts.backoffMs, 250 * 2 ** attempt);
      opts.onProgress?.(`download of ${label} failed (${shortReason(err)}); retrying in ${delay} ms`);
      await sleep(delay);
    }
  }
}

function attemptOnce(got: Got, url: string, dest: string, label: string, opts: DownloadOptions): Promise<Downloaded> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    let bytes = 0;
    let lastStep = -1;
    let settled = false;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      stream.destroy();
      file.destroy();
      reject(err);
    };
    const stream = got.stream(url, {
      headers: headersFor(url, opts, false),
      timeout: { request: opts.timeoutMs },
      retry: { limit: 0 },
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    const file = createWriteStream(dest, { mode: 0o644 });
    stream.on('downloadProgress', (p: { percent: number; transferred: number; total?: number }) => {
      if (p.transferred > opts.maxBytes || (p.total !== undefined && p.total > opts.maxBytes)) {
        fail(new ValidationError(`source: ${label} is larger than the ${Math.round(opts.maxBytes / 1048576)} MiB limit for plugin tarballs`, { field: 'source' }));
        return;
      }
      // One line per 10 %: enough to see it move, few enough for a log.
      const step = p.total ? Math.floor(p.percent * 10) : -1;
      if (step > lastStep) {
        lastStep = step;
        opts.onProgress?.(`downloading ${label}: ${step * 10}%`);
      }
    });
    stream.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      hash.update(chunk);
    });
    stream.on('error', fail);
    file.on('error', fail);
    file.on('finish', () => {
      if (settled) return;
      settled = true;
      resolve({ sha256: hash.digest('hex'), bytes });
    });
    stream.pipe(file);
  });
}

function shortReason(err: unknown): string {
  const g = gotErrors();
  if (g && err instanceof g.HTTPError) return `HTTP ${err.response.statusCode}`;
  const e = err as { code?: string; message?: string };
  return e.code ?? e.message ?? String(err);
}
