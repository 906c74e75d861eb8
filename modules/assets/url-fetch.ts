/**
 * url() asset fetches with got, behind a conditional-GET cache at
 * `$VOODU_ROOT/cache/<sha256(url)>.bytes|.meta`. The
 * cache is what makes `on_failure = "stale"` possible and what turns an
 * unchanged remote file into a cheap 304.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gotErrors, loadGot } from '../../lib/lazy-got.js';
import { writeAtomic } from './atomic-write.js';
import { sha256Hex } from './digest.js';

export interface UrlCacheMeta {
  etag: string | null;
  last_modified: string | null;
  /** When the cached bytes were downloaded (ISO-8601). */
  fetched_at: string;
}

export interface CachedCopy {
  bytes: Buffer;
  meta: UrlCacheMeta;
}

export interface FetchOptions {
  cacheDir: string;
  /** Whole-fetch budget, retries included. */
  timeoutMs: number;
  maxBytes: number;
  /** False on a dry run: nothing may be written anywhere. */
  writeCache: boolean;
}

export interface Fetched {
  bytes: Buffer;
  /** True when the server answered 304 and the cached bytes were used. */
  notModified: boolean;
}

/** A fetch that produced no bytes; the message is the reason, without the URL. */
export class FetchFailure extends Error {}

export const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;

export function cachePaths(cacheDir: string, url: string): { bytes: string; meta: string } {
  const base = join(cacheDir, sha256Hex(url));
  return { bytes: `${base}.bytes`, meta: `${base}.meta` };
}

/** The cached copy of `url`, or undefined when there is none (or it is unreadable: then it is no copy). */
export async function readCache(cacheDir: string, url: string): Promise<CachedCopy | undefined> {
  const files = cachePaths(cacheDir, url);
  try {
    const [bytes, metaText] = await Promise.all([readFile(files.bytes), readFile(files.meta, 'utf8')]);
    const meta = JSON.parse(metaText) as Partial<UrlCacheMeta>;
    if (typeof meta.fetched_at !== 'string') return undefined;
    return {
      bytes,
      meta: {
        etag: typeof meta.etag === 'string' ? meta.etag : null,
        last_modified: typeof meta.last_modified === 'string' ? meta.last_modified : null,
        fetched_at: meta.fetched_at,
      },
    };
  } catch {
    return undefined;
  }
}

export async function fetchUrl(url: string, options: FetchOptions): Promise<Fetched> {
  const cached = await readCache(options.cacheDir, url);
  const headers: Record<string, string> = {};
  if (cached?.meta.etag) headers['if-none-match'] = cached.meta.etag;
  if (cached?.meta.last_modified) headers['if-modified-since'] = cached.meta.last_modified;

  let tooBig = false;
  // A deadline that lands during a retry's backoff would otherwise hide the error that caused the retry.
  let retriedAfter: unknown;
  const { default: got } = await loadGot();
  const request = got(url, {
    headers,
    responseType: 'buffer',
    // One deadline for the whole fetch: got's own timeouts are per attempt and would multiply with retries.
    signal: AbortSignal.timeout(options.timeoutMs),
    retry: {
      limit: 2,
      methods: ['GET'],
      backoffLimit: 1000,
      calculateDelay: ({ error, computedValue }) => {
        if (computedValue > 0) retriedAfter = error;
        return computedValue;
      },
    },
  });
  request.on('downloadProgress', (p) => {
    if (p.transferred > options.maxBytes || (p.total !== undefined && p.total > options.maxBytes)) {
      tooBig = true;
      request.cancel();
    }
  });

  let response;
  try {
    response = await request;
  } catch (err) {
    let reason = tooBig ? tooBigReason(options.maxBytes) : reasonOf(err, options.timeoutMs);
    if (!tooBig && isTimeout(err) && retriedAfter !== undefined && !isTimeout(retriedAfter)) {
      reason = `${reasonOf(retriedAfter, options.timeoutMs)}; retries stopped at the ${formatMs(options.timeoutMs)} timeout`;
    }
    throw new FetchFailure(reason, { cause: err });
  }
  if (response.statusCode === 304) {
    if (!cached) throw new FetchFailure('the server answered 304 Not Modified, but there is no cached copy');
    return { bytes: cached.bytes, notModified: true };
  }
  const bytes = response.body;
  if (bytes.length > options.maxBytes) throw new FetchFailure(tooBigReason(options.maxBytes));
  if (options.writeCache) {
    const meta: UrlCacheMeta = {
      etag: headerOf(response.headers['etag']),
      last_modified: headerOf(response.headers['last-modified']),
      fetched_at: new Date().toISOString(),
    };
    const files = cachePaths(options.cacheDir, url);
    await mkdir(options.cacheDir, { recursive: true, mode: 0o755 });
    // Bytes before meta: a meta file always describes bytes that are there.
    await writeAtomic(files.bytes, bytes);
    await writeAtomic(files.meta, JSON.stringify(meta));
  }
  return { bytes, notModified: false };
}

/** The URL as messages show it: credentials in it are secrets and never reach a log or an answer. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = '***';
      u.password = '';
    }
    return u.toString();
  } catch {
    return url;
  }
}

function headerOf(value: string | string[] | undefined): string | null {
  if (Array.isArray(value)) return value[0] ?? null;
  return value ?? null;
}

function tooBigReason(maxBytes: number): string {
  return `the response is larger than the ${formatBytes(maxBytes)} limit for url() assets`;
}

function reasonOf(err: unknown, timeoutMs: number): string {
  const g = gotErrors();
  if (g && err instanceof g.HTTPError) return `HTTP ${err.response.statusCode}${err.response.statusMessage ? ' ' + err.response.statusMessage : ''}`;
  if (isTimeout(err)) {
    return `no complete answer within ${formatMs(timeoutMs)} (timeout)`;
  }
  if (g && err instanceof g.CancelError) return 'the request was cancelled';
  if (g && err instanceof g.RequestError) return err.code && !err.message.includes(err.code) ? `${err.message} (${err.code})` : err.message;
  return err instanceof Error ? err.message : String(err);
}

function isTimeout(err: unknown): boolean {
  const g = gotErrors();
  return !!g && (err instanceof g.TimeoutError || (err instanceof g.RequestError && err.code === 'ETIMEDOUT'));
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

function formatBytes(n: number): string {
  return n % (1024 * 1024) === 0 ? `${n / (1024 * 1024)} MiB` : `${n} bytes`;
}
