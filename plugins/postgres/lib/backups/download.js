// A backup to restore from a URL: fetched on the controller host (where the
// plugin runs) into a private temp file, streamed — a dump can be larger
// than memory — and removed by the caller once it has been copied into the pod.
import { createWriteStream } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** True for an http:// or https:// URL (the only schemes restore fetches). */
export function isHttpUrl(text) {
  try {
    const u = new URL(String(text ?? ''));
    return (u.protocol === 'http:' || u.protocol === 'https:') && Boolean(u.host);
  } catch {
    return false;
  }
}

/** The URL as it may be shown: no user, password or query (a presigned URL's signature is a secret). */
export function safeUrl(text) {
  try {
    const u = new URL(text);
    return `${u.protocol}//${u.host}${u.pathname}${u.search ? '?…' : ''}`;
  } catch {
    return '(unparseable URL)';
  }
}

/**
 * Streams `url` into `dest` (created 0644: docker cp keeps the mode, and
 * the pod's postgres user must read the copy; privacy comes from the 0700
 * directory it sits in). A non-2xx answer throws with its status, e.g.
 * "… answered 404 Not Found".
 * @returns {Promise<number>} bytes written
 */
export async function downloadToFile(url, dest, opts = {}) {
  const doFetch = opts.fetch ?? fetch;
  let res;
  try {
    res = await doFetch(url, { redirect: 'follow', ...(opts.timeoutMs ? { signal: AbortSignal.timeout(opts.timeoutMs) } : {}) });
  } catch (err) {
    throw new Error(`download ${safeUrl(url)}: ${err?.cause?.code ?? err?.cause?.message ?? err?.message ?? String(err)}`);
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel().catch(() => undefined);
    throw new Error(`download ${safeUrl(url)}: answered ${res.status} ${res.statusText || ''}`.trimEnd() + '; check the URL (a presigned one may have expired)');
  }
  let bytes = 0;
  const counted = Readable.fromWeb(res.body);
  counted.on('data', (chunk) => (bytes += chunk.length));
  await pipeline(counted, createWriteStream(dest, { mode: 0o644 }));
  await chmod(dest, 0o644);
  if (bytes === 0) throw new Error(`download ${safeUrl(url)}: the answer was empty; nothing to restore`);
  return bytes;
}

/** A fresh 0700 directory for downloads; `cleanup` removes it with whatever is in it. */
export async function tempDir(prefix = 'voodu-pg-restore-') {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
