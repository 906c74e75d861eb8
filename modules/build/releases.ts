/**
 * An app's release dirs: `apps/<app>/releases/<buildId>/` holds the context
 * a build was made from, `apps/<app>/current` points at the one running.
 * A dir appears whole or not at all (extracted beside, then renamed), and
 * `keep_releases` collects the oldest dirs and their images.
 */
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, readlink, rename, rm, symlink, utimes } from 'node:fs/promises';
import { basename, isAbsolute, join, posix } from 'node:path';
import * as tar from 'tar';
import { ValidationError } from '../../lib/errors.js';

export const releasesDir = (appDir: string) => join(appDir, 'releases');

/** A tar entry that would leave the release dir when written: refused, whatever the CLI checked. */
function unsafeEntry(path: string, type: string, linkpath: string | undefined): string | undefined {
  const norm = posix.normalize(path);
  if (isAbsolute(path) || norm === '..' || norm.startsWith('../')) return `${path}: a path outside the context`;
  if (type === 'Link') return `${path}: a hard link`;
  if (type === 'SymbolicLink' && linkpath !== undefined) {
    const target = posix.normalize(posix.join(posix.dirname(norm), linkpath));
    if (isAbsolute(linkpath) || target === '..' || target.startsWith('../')) return `${path}: a symlink to ${linkpath}, outside the context`;
  }
  return undefined;
}

/** Extracts the context tar into `releases/<id>/` (replacing a previous one of the same id). */
export async function extractRelease(appDir: string, buildId: string, tarFile: string): Promise<string> {
  const root = releasesDir(appDir);
  const final = join(root, buildId);
  const partial = join(root, `.${buildId}.${randomBytes(3).toString('hex')}.partial`);
  await mkdir(partial, { recursive: true, mode: 0o755 });
  try {
    const refused: string[] = [];
    await tar.x({
      file: tarFile,
      cwd: partial,
      strict: true,
      preserveOwner: false,
      filter: (path, entry) => {
        const why = unsafeEntry(path, (entry as tar.ReadEntry).type, (entry as tar.ReadEntry).linkpath);
        if (why) refused.push(why);
        return !why;
      },
    });
    if (refused.length) throw new ValidationError(`the build context holds entries that leave it: ${refused.slice(0, 5).join('; ')}`, { field: 'body' });
    await rm(final, { recursive: true, force: true });
    await rename(partial, final);
    const now = new Date();
    await utimes(final, now, now); // the collection's age order
    return final;
  } catch (err) {
    await rm(partial, { recursive: true, force: true });
    throw err;
  }
}

/** The build `current` points at, if any. */
export async function currentRelease(appDir: string): Promise<string | undefined> {
  try {
    return basename(await readlink(join(appDir, 'current')));
  } catch {
    return undefined;
  }
}

/** Points `current` at `releases/<id>` atomically (a new link renamed over the old). */
export async function pointCurrent(appDir: string, buildId: string): Promise<void> {
  const link = join(appDir, 'current');
  const next = `${link}.${randomBytes(3).toString('hex')}`;
  await symlink(join('releases', buildId), next);
  await rename(next, link);
}

/** Release dirs, newest first. Half-extracted ones are not releases. */
export async function listReleases(appDir: string): Promise<{ id: string; mtimeMs: number }[]> {
  const root = releasesDir(appDir);
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return [];
  }
  const out: { id: string; mtimeMs: number }[] = [];
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const st = await lstat(join(root, name)).catch(() => undefined);
    if (st?.isDirectory()) out.push({ id: name, mtimeMs: st.mtimeMs });
  }
  return out.sort((a, b) => b.mtimeMs - a.mtimeMs || (a.id < b.id ? 1 : -1));
}

/**
 * Which builds `keep_releases` keeps: the `keep` newest, and always the
 * current one and `protect` (the build just made). The rest are returned to
 * be collected.
 */
export function releasesToCollect(releases: { id: string }[], keep: number, protect: ReadonlyArray<string | undefined>): string[] {
  const kept = new Set(releases.slice(0, Math.max(keep, 1)).map((r) => r.id));
  for (const id of protect) if (id) kept.add(id);
  return releases.map((r) => r.id).filter((id) => !kept.has(id));
}

export async function removeRelease(appDir: string, buildId: string): Promise<void> {
  await rm(join(releasesDir(appDir), buildId), { recursive: true, force: true });
}

/** Leftovers of a controller killed mid-build: partial dirs and uploads. */
export async function removeLeftovers(appDir: string): Promise<void> {
  const root = releasesDir(appDir);
  const names = await readdir(root).catch(() => [] as string[]);
  await Promise.all(names.filter((n) => n.startsWith('.')).map((n) => rm(join(root, n), { recursive: true, force: true })));
}
