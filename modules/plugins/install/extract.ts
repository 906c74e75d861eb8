/**
 * Unpacks a plugin tarball into a staging directory, refusing anything that
 * could land outside it: absolute paths, `..` segments, links
 * whose target leaves the directory, device files. Every entry is checked in
 * a first listing pass — so a hostile archive writes nothing at all — then
 * tar extracts with `strict` (its own traversal guards become errors), and
 * the result is walked once more as a last line of defence.
 */
import { lstat, readdir, readlink, realpath } from 'node:fs/promises';
import { dirname, join, posix, relative, resolve, sep } from 'node:path';
// tar is imported when a plugin is installed, not with the controller (docs/operations.md#memory).
const loadTar = () => import('tar');
import { ValidationError } from '../../../lib/errors.js';

const STORED = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory', 'SymbolicLink', 'Link']);
/** Header-only entry types tar consumes itself; they never become files. */
const META = new Set(['GlobalExtendedHeader', 'ExtendedHeader', 'OldExtendedHeader', 'NextFileHasLongPath', 'NextFileHasLongLinkpath', 'OldGnuLongPath']);

export interface ExtractLimits {
  maxEntries: number;
  maxUnpackedBytes: number;
}

interface Entry {
  path: string;
  type: string;
  linkpath?: string;
  size: number;
}

const refuse = (label: string, why: string) =>
  new ValidationError(`source: ${label} is not a safe plugin archive: ${why}; refusing to install it`, { field: 'source' });

/** `a/./b/` → `a/b`; undefined when the path is absolute, has `..` or a NUL. */
function cleanPath(p: string): string | undefined {
  if (p.includes('\0') || p.startsWith('/') || /^[A-Za-z]:/.test(p) || p.includes('\\')) return undefined;
  const parts = p.split('/').filter((s) => s !== '' && s !== '.');
  if (parts.includes('..')) return undefined;
  return parts.join('/');
}

async function listEntries(file: string, label: string, limits: ExtractLimits): Promise<Entry[]> {
  const entries: Entry[] = [];
  let problem: ValidationError | undefined;
  let total = 0;
  const tar = await loadTar();
  await tar.list({
    file,
    onReadEntry: (e) => {
      if (problem) return;
      const type = e.type;
      if (META.has(type)) return;
      if (!STORED.has(type)) problem = refuse(label, `entry ${JSON.stringify(e.path)} is a ${type}; only files, directories and links are allowed`);
      total += e.size ?? 0;
      if (entries.length >= limits.maxEntries) problem = refuse(label, `it has more than ${limits.maxEntries} entries`);
      if (total > limits.maxUnpackedBytes) problem = refuse(label, `it unpacks to more than ${Math.round(limits.maxUnpackedBytes / 1048576)} MiB`);
      entries.push({ path: e.path, type, size: e.size ?? 0, ...(e.linkpath ? { linkpath: e.linkpath } : {}) });
    },
  }).catch((err: Error) => {
    throw refuse(label, `it cannot be read as a gzipped tar (${err.message})`);
  });
  if (problem) throw problem;
  return entries;
}

/** GitHub source archives (and most release tarballs) wrap everything in one top-level directory. */
function singleTopDir(paths: string[]): boolean {
  const firsts = new Set(paths.map((p) => p.split('/')[0]));
  return firsts.size === 1 && paths.some((p) => p.includes('/'));
}

/** Checks every entry; answers how many leading segments to strip. */
export async function inspectArchive(file: string, label: string, limits: ExtractLimits): Promise<number> {
  const entries = await listEntries(file, label, limits);
  if (!entries.length) throw refuse(label, 'it is empty');
  const cleaned: Entry[] = [];
  for (const e of entries) {
    const path = cleanPath(e.path);
    if (path === undefined) throw refuse(label, `entry ${JSON.stringify(e.path)} is an absolute path or walks out with '..'`);
    cleaned.push({ ...e, path });
  }
  const nonEmpty = cleaned.filter((e) => e.path !== '');
  const strip = singleTopDir(nonEmpty.map((e) => e.path)) ? 1 : 0;
  for (const e of nonEmpty) {
    const inside = e.path.split('/').slice(strip).join('/');
    if (e.type === 'SymbolicLink') {
      const target = e.linkpath ?? '';
      const landed = posix.normalize(posix.join(posix.dirname(inside || '.'), target));
      if (!target || target.startsWith('/') || landed === '..' || landed.startsWith('../')) {
        throw refuse(label, `symlink ${JSON.stringify(e.path)} points to ${JSON.stringify(target)}, outside the plugin directory`);
      }
    }
    if (e.type === 'Link') {
      const target = cleanPath(e.linkpath ?? '');
      if (!target || target.split('/').length <= strip) {
        throw refuse(label, `hard link ${JSON.stringify(e.path)} points to ${JSON.stringify(e.linkpath ?? '')}, outside the plugin directory`);
      }
    }
  }
  return strip;
}

/** Extracts `file` into the (existing, empty) `dir`. */
export async function extractSafely(file: string, dir: string, label: string, limits: ExtractLimits): Promise<void> {
  const strip = await inspectArchive(file, label, limits);
  const warnings: string[] = [];
  const tar = await loadTar();
  try {
    await tar.extract({
      file,
      cwd: dir,
      strip,
      strict: true,
      // As root tar would chown to the archive's uids; a plugin belongs to the controller's user.
      preserveOwner: false,
      filter: (_path, entry) => !('type' in entry) || STORED.has(entry.type),
      onwarn: (code, message) => {
        warnings.push(`${code}: ${message}`);
      },
    });
  } catch (err) {
    throw refuse(label, (err as Error).message);
  }
  if (warnings.length) throw refuse(label, warnings.slice(0, 3).join('; '));
  await assertContained(dir, label);
}

/**
 * Walks `dir` and refuses any symlink that resolves outside it and any entry
 * that is not a file, directory or symlink. Used after extraction and after
 * a local copy alike.
 */
export async function assertContained(dir: string, label: string): Promise<void> {
  const root = await realpath(dir);
  const walk = async (current: string): Promise<void> => {
    for (const name of await readdir(current)) {
      const path = join(current, name);
      const st = await lstat(path);
      if (st.isSymbolicLink()) {
        const target = await readlink(path);
        const landed = resolve(dirname(path), target);
        const real = await realpath(path).catch(() => landed);
        if (!isWithin(root, real) || !isWithin(root, resolveUnder(root, dir, landed))) {
          throw refuse(label, `symlink ${relative(dir, path)} points outside the plugin directory`);
        }
      } else if (st.isDirectory()) {
        await walk(path);
      } else if (!st.isFile()) {
        throw refuse(label, `${relative(dir, path)} is not a regular file, directory or symlink`);
      }
    }
  };
  await walk(dir);
}

/** `landed` re-rooted on the real path of `dir` (dir may itself sit behind a symlink such as /tmp). */
function resolveUnder(root: string, dir: string, landed: string): string {
  const rel = relative(resolve(dir), landed);
  return resolve(root, rel);
}

export function isWithin(base: string, path: string): boolean {
  return path === base || path.startsWith(base.endsWith(sep) ? base : base + sep);
}
