/**
 * An asset's content, in memory: the bytes and sha256 of every key. The
 * apply stage uses this to stamp digests without writing a file; the
 * materialiser uses it to decide what to write.
 *
 * `on_failure` of a url() value — three distinct behaviours (the reference
 * made `stale` and `skip` the same, and let a transport error fall back to
 * the cache even under `error`):
 *
 *   error  The fetch must succeed (a 304 against the cache counts). Any
 *          failure fails the apply (400 naming asset, key, url, reason) and
 *          fails the reconcile with a TransientError so it is retried. No
 *          fallback of any kind.
 *   stale  (default) On failure use the cached download of that url, else
 *          the key's file from an earlier materialisation; the key keeps a
 *          file and a digest, and `errors[key]` says which copy is served.
 *          With neither, the apply fails naming the key; at reconcile the
 *          key is recorded as failed and gets no file.
 *   skip   On failure the key is left out: no file, no digest, only
 *          `errors[key]`. An earlier file for the key is removed when the
 *          asset is materialised, so a consumer never reads old content.
 */
import type { AssetSource, OnFailure, ParsedAsset } from './parse.js';
import { sha256Hex } from './digest.js';
import { FetchFailure, displayUrl, fetchUrl, readCache } from './url-fetch.js';

export type KeyOutcome =
  /** Fresh content (inline, file, or a url fetched or confirmed by 304). */
  | { key: string; state: 'ok'; bytes: Buffer; sha256: string }
  /** on_failure=stale served an older copy. */
  | { key: string; state: 'stale'; bytes: Buffer; sha256: string; error: string }
  /** on_failure=skip: deliberately no content. */
  | { key: string; state: 'skipped'; error: string }
  /** on_failure=stale with nothing to fall back to (reconcile only; fatal at apply). */
  | { key: string; state: 'failed'; error: string };

export type ContentOutcome = Extract<KeyOutcome, { bytes: Buffer }>;

export function hasContent(o: KeyOutcome): o is ContentOutcome {
  return o.state === 'ok' || o.state === 'stale';
}

export interface ComputeOptions {
  cacheDir: string;
  maxBytes: number;
  /** False on a dry run. */
  writeCache: boolean;
  /** The key's file from an earlier materialisation (regular files only), for `stale`. */
  onDisk(key: string): Promise<Buffer | undefined>;
  /** `apply`: a key that cannot be served fails the apply. `reconcile`: only `error` keys fail it. */
  phase: 'apply' | 'reconcile';
  /** Builds the error thrown for a fatal key (ValidationError at apply, TransientError at reconcile). */
  fatal(message: string): Error;
}

export async function computeContents(asset: ParsedAsset, options: ComputeOptions): Promise<KeyOutcome[]> {
  return Promise.all(asset.files.map(({ key, source }) => computeKey(asset.label, key, source, options)));
}

async function computeKey(label: string, key: string, source: AssetSource, options: ComputeOptions): Promise<KeyOutcome> {
  if (source.type !== 'url') return { key, state: 'ok', bytes: source.bytes, sha256: sha256Hex(source.bytes) };
  const shown = displayUrl(source.url);
  let reason: string;
  try {
    const { bytes } = await fetchUrl(source.url, {
      cacheDir: options.cacheDir,
      timeoutMs: source.timeoutMs,
      maxBytes: options.maxBytes,
      writeCache: options.writeCache,
    });
    return { key, state: 'ok', bytes, sha256: sha256Hex(bytes) };
  } catch (err) {
    if (!(err instanceof FetchFailure)) throw err;
    reason = err.message;
  }
  const where = `${label}: files.${key}: fetching ${shown}`;
  return fallback(key, source.url, source.onFailure, `${where}: ${reason}`, `fetching ${shown} failed: ${reason}`, options);
}

async function fallback(
  key: string,
  url: string,
  onFailure: OnFailure,
  fatalMessage: string,
  recorded: string,
  options: ComputeOptions,
): Promise<KeyOutcome> {
  if (onFailure === 'error') throw options.fatal(`${fatalMessage} (on_failure = "error")`);
  if (onFailure === 'skip') return { key, state: 'skipped', error: `${recorded}; key skipped (on_failure = "skip")` };

  const cached = await readCache(options.cacheDir, url);
  if (cached) {
    return {
      key,
      state: 'stale',
      bytes: cached.bytes,
      sha256: sha256Hex(cached.bytes),
      error: `${recorded}; serving the cached copy fetched at ${cached.meta.fetched_at} (on_failure = "stale")`,
    };
  }
  const onDisk = await options.onDisk(key);
  if (onDisk) {
    return {
      key,
      state: 'stale',
      bytes: onDisk,
      sha256: sha256Hex(onDisk),
      error: `${recorded}; serving the file already on disk (on_failure = "stale")`,
    };
  }
  const none = 'there is no cached copy and no earlier file to fall back to (on_failure = "stale")';
  if (options.phase === 'apply') throw options.fatal(`${fatalMessage}; ${none}`);
  return { key, state: 'failed', error: `${recorded}; ${none}` };
}
