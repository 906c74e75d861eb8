/**
 * The download cache: `<cacheDir>/<owner>/<repo>/<version>/<file>` plus
 * `meta.json` holding the verified sha256. A cached tarball is re-hashed
 * before use, so a truncated or tampered file is a miss, never an install.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import semver from 'semver';

export interface CacheMeta {
  file: string;
  sha256: string;
  /** The release's published checksum matched (false: none was published). */
  verified: boolean;
  tag: string;
  fetched_at: string;
}

export interface CacheEntry {
  version: string;
  path: string;
  meta: CacheMeta;
}

export function versionDir(cacheDir: string, owner: string, repo: string, version: string): string {
  // GitHub names are case-insensitive; one cache entry per repository.
  return join(cacheDir, owner.toLowerCase(), repo.toLowerCase(), version);
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The cached tarball of one version, if it is there and still hashes to what was verified. */
export async function lookup(cacheDir: string, owner: string, repo: string, version: string): Promise<CacheEntry | undefined> {
  const dir = versionDir(cacheDir, owner, repo, version);
  let meta: CacheMeta;
  try {
    meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as CacheMeta;
  } catch {
    return undefined;
  }
  if (typeof meta.file !== 'string' || meta.file.includes('/') || typeof meta.sha256 !== 'string') return undefined;
  const path = join(dir, meta.file);
  try {
    if ((await sha256File(path)) !== meta.sha256) return undefined;
  } catch {
    return undefined;
  }
  return { version, path, meta };
}

/** Versions present in the cache for owner/repo (unchecked; `lookup` verifies the one used). */
export async function cachedVersions(cacheDir: string, owner: string, repo: string): Promise<string[]> {
  try {
    const names = await readdir(join(cacheDir, owner.toLowerCase(), repo.toLowerCase()));
    return names.filter((n) => semver.valid(n));
  } catch {
    return [];
  }
}

/** Moves a verified download into the cache; meta.json last, so it only ever describes a complete file. */
export async function store(cacheDir: string, owner: string, repo: string, version: string, downloaded: string, meta: CacheMeta): Promise<string> {
  const dir = versionDir(cacheDir, owner, repo, version);
  await mkdir(dir, { recursive: true, mode: 0o755 });
  await rm(join(dir, 'meta.json'), { force: true });
  const path = join(dir, meta.file);
  await rename(downloaded, path);
  const tmp = join(dir, `.meta-${process.pid}-${Date.now()}.json`);
  await writeFile(tmp, JSON.stringify(meta, null, 2) + '\n');
  await rename(tmp, join(dir, 'meta.json'));
  return path;
}
