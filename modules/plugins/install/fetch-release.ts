/**
 * From `owner/repo` + a version request to a verified tarball on disk:
 * resolve the release (or skip the API entirely when an exact version is
 * cached), pick the artifact, download, check the published sha256, and
 * keep the result in the cache.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import semver from 'semver';
import { TransientError, ValidationError, messageOf } from '../../../lib/errors.js';
import { chooseArtifact, parseChecksum } from './assets.js';
import { cachedVersions, lookup, store, type CacheEntry } from './cache.js';
import { download } from './download.js';
import { fetchText, listReleases, type GithubOptions } from './github.js';
import { describeRequest, parseVersionRequest, pickRelease, pickVersion, type VersionRequest } from './resolve.js';

export interface FetchReleaseOptions extends GithubOptions {
  cacheDir: string;
  downloadTimeoutMs: number;
  maxDownloadBytes: number;
  onProgress(line: string): void;
}

export interface FetchedRelease {
  path: string;
  version: string;
  sha256: string;
  cached: boolean;
}

export async function fetchRelease(owner: string, repo: string, rawVersion: string | undefined, opts: FetchReleaseOptions): Promise<FetchedRelease> {
  const label = `${owner}/${repo}`;
  const req = parseVersionRequest(rawVersion);
  const say = opts.onProgress;

  if (req.type === 'exact') {
    const hit = await lookup(opts.cacheDir, owner, repo, req.version);
    if (hit) {
      say(`using cached ${label} ${hit.version} (sha256 ${hit.meta.sha256.slice(0, 12)}…); no download needed`);
      return fromCache(hit);
    }
  }

  say(`resolving ${label} ${describeRequest(req)} from ${opts.api}`);
  let releases;
  try {
    releases = await listReleases(owner, repo, opts);
  } catch (err) {
    if (!(err instanceof TransientError)) throw err;
    const hit = await bestCached(opts.cacheDir, owner, repo, req);
    if (!hit) throw err;
    say(`GitHub is unreachable (${messageOf(err)}); using cached ${label} ${hit.version}, the highest cached version matching ${describeRequest(req)}`);
    return fromCache(hit);
  }
  const { release, version } = pickRelease(releases, req, label);
  say(`resolved ${label} ${describeRequest(req)} → ${version} (tag ${release.tag_name})`);

  const hit = await lookup(opts.cacheDir, owner, repo, version);
  if (hit) {
    say(`using cached ${label} ${version}; no download needed`);
    return fromCache(hit);
  }

  const artifact = chooseArtifact(release, repo, version);
  if (!artifact) {
    throw new ValidationError(`version: release ${release.tag_name} of ${label} has no .tar.gz asset and no source archive; publish ${repo}_${version}.tar.gz`, { field: 'version' });
  }
  await mkdir(opts.cacheDir, { recursive: true, mode: 0o755 });
  const tmp = join(opts.cacheDir, `.download-${randomBytes(6).toString('hex')}`);
  try {
    const got = await download(artifact.url, tmp, artifact.name, {
      api: opts.api,
      ...(opts.token ? { token: opts.token } : {}),
      retries: opts.retries,
      backoffMs: opts.backoffMs,
      timeoutMs: opts.downloadTimeoutMs,
      maxBytes: opts.maxDownloadBytes,
      onProgress: say,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    let verified = false;
    if (artifact.checksum) {
      const text = await fetchText(artifact.checksum.url, opts, `${label} ${artifact.checksum.name}`);
      const expected = parseChecksum(text, artifact.name, artifact.checksum.kind);
      if (!expected) {
        throw new ValidationError(`source: ${artifact.checksum.name} of ${label} ${release.tag_name} has no sha256 for ${artifact.name}; refusing an unverifiable tarball`, { field: 'source' });
      }
      if (expected !== got.sha256) {
        throw new ValidationError(
          `source: sha256 mismatch for ${artifact.name} of ${label} ${release.tag_name}: the release publishes ${expected}, the download is ${got.sha256}; refusing to install it (a corrupted or tampered download)`,
          { field: 'source' },
        );
      }
      verified = true;
      say(`verified ${artifact.name}: sha256 ${got.sha256.slice(0, 12)}… matches ${artifact.checksum.name}`);
    } else {
      say(`${artifact.name}: the release publishes no sha256 (${artifact.sourceArchive ? 'GitHub source archive' : `no ${artifact.name}.sha256 or checksums.txt`}); trusting TLS only`);
    }
    const path = await store(opts.cacheDir, owner, repo, version, tmp, {
      file: artifact.name,
      sha256: got.sha256,
      verified,
      tag: release.tag_name,
      fetched_at: new Date().toISOString(),
    });
    return { path, version, sha256: got.sha256, cached: false };
  } finally {
    await rm(tmp, { force: true });
  }
}

function fromCache(hit: CacheEntry): FetchedRelease {
  return { path: hit.path, version: hit.version, sha256: hit.meta.sha256, cached: true };
}

/** Offline fallback: the highest cached version that satisfies `req` and still verifies. */
async function bestCached(cacheDir: string, owner: string, repo: string, req: VersionRequest): Promise<CacheEntry | undefined> {
  let candidates = await cachedVersions(cacheDir, owner, repo);
  while (candidates.length) {
    const best = pickVersion(candidates, req);
    if (!best) return undefined;
    const hit = await lookup(cacheDir, owner, repo, best);
    if (hit) return hit;
    candidates = candidates.filter((v) => !semver.eq(v, best));
  }
  return undefined;
}
