/**
 * The few GitHub REST calls the installer makes: list a repository's
 * releases (paginated) and fetch a small text asset (a checksum file).
 * The token goes to the API origin only — never to download hosts — and
 * never into a message.
 */
import { gotErrors, loadGot } from '../../../lib/lazy-got.js';
import { TransientError, ValidationError } from '../../../lib/errors.js';
import type { Release } from './resolve.js';

export interface GithubOptions {
  /** `https://api.github.com`, or a loopback server in tests. */
  api: string;
  token?: string;
  /** Retries after the first attempt on 5xx and network errors. */
  retries: number;
  /** Cap of one retry's backoff. */
  backoffMs: number;
  /** Per-attempt budget of one API call. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Pages beyond this are not read: 1000 releases is more than any plugin has. */
const MAX_PAGES = 10;

/**
 * Request headers. The token rides only on API calls (`apiCall`) to the API
 * origin: release assets and checksums are public downloads, and a Link
 * header pointing elsewhere must not collect it.
 */
export function headersFor(url: string, opts: Pick<GithubOptions, 'api' | 'token'>, apiCall: boolean): Record<string, string> {
  const headers: Record<string, string> = { 'user-agent': 'voodu-plugin-installer', 'x-github-api-version': '2022-11-28' };
  if (apiCall && opts.token && sameOrigin(url, opts.api)) headers.authorization = `Bearer ${opts.token}`;
  return headers;
}

export function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

export function gotRetry(opts: Pick<GithubOptions, 'retries' | 'backoffMs'>) {
  return {
    limit: opts.retries,
    methods: ['GET' as const],
    statusCodes: [500, 502, 503, 504, 521, 522, 524],
    backoffLimit: opts.backoffMs,
    noise: 0,
  };
}

/** Every release of owner/repo (drafts included; the resolver skips them). */
export async function listReleases(owner: string, repo: string, opts: GithubOptions): Promise<Release[]> {
  const base = opts.api.replace(/\/+$/, '');
  let url: string | undefined = `${base}/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/releases?per_page=100`;
  const all: Release[] = [];
  for (let page = 0; url && page < MAX_PAGES; page++) {
    const res = await call(url, opts, `${owner}/${repo}`, true);
    let body: unknown;
    try {
      body = JSON.parse(res.body);
    } catch {
      throw new TransientError(`GitHub API: releases of ${owner}/${repo} are not JSON (is the API URL right?)`);
    }
    if (!Array.isArray(body)) throw new TransientError(`GitHub API: releases of ${owner}/${repo} are not a list`);
    for (const r of body) if (r && typeof r === 'object' && typeof (r as Release).tag_name === 'string') all.push(r as Release);
    url = nextLink(([] as string[]).concat(res.headers.link ?? []).join(","));
    // The API may drop the Link header behind proxies; a short page is the last one either way.
    if (!url && body.length === 100) url = `${base}/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}/releases?per_page=100&page=${page + 2}`;
  }
  return all;
}

/** A small text file (a checksum) from a release; 64 KiB at most. */
export async function fetchText(url: string, opts: GithubOptions, what: string): Promise<string> {
  const res = await call(url, opts, what, false);
  if (res.body.length > 64 * 1024) throw new ValidationError(`${what}: checksum file is larger than 64 KiB; refusing it`, { field: 'source' });
  return res.body;
}

async function call(url: string, opts: GithubOptions, what: string, apiCall: boolean) {
  const { default: got } = await loadGot();
  try {
    return await got(url, {
      headers: { ...headersFor(url, opts, apiCall), ...(apiCall ? { accept: 'application/vnd.github+json' } : {}) },
      timeout: { request: opts.timeoutMs },
      retry: gotRetry(opts),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  } catch (err) {
    throw apiError(err, what);
  }
}

/** 404 means the repo (or release) is not there: the operator's to fix. Everything else may pass. */
export function apiError(err: unknown, what: string): Error {
  const g = gotErrors();
  if (g && err instanceof g.HTTPError) {
    const status = err.response.statusCode;
    if (status === 404) return new ValidationError(`source: ${what} was not found on GitHub (HTTP 404); check owner/repo, or set GITHUB_TOKEN for a private repository`, { field: 'source' });
    if (status === 401 || status === 403) {
      return new ValidationError(`source: GitHub refused ${what} (HTTP ${status}); the token is wrong or the rate limit is exhausted — set GITHUB_TOKEN`, { field: 'source' });
    }
    return new TransientError(`GitHub answered HTTP ${status} for ${what}; retry later`, { cause: err });
  }
  if (g && err instanceof g.TimeoutError) return new TransientError(`GitHub did not answer for ${what} in time; retry later`, { cause: err });
  if (g && err instanceof g.RequestError) return new TransientError(`cannot reach GitHub for ${what} (${err.code ?? err.message}); retry later`, { cause: err });
  return err instanceof Error ? err : new Error(String(err));
}

export function isUnreachable(err: unknown): boolean {
  return err instanceof TransientError;
}

function nextLink(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (m) return m[1];
  }
  return undefined;
}
