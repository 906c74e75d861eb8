/**
 * The asset directories on disk. Every access walks from the assets root
 * one segment at a time and refuses symlinks and non-directories on the
 * way, so nothing this module writes or removes can land outside
 * `$VOODU_ROOT/assets` — whatever someone planted in there.
 */
import { lstat, mkdir, readFile, readdir, realpath, rm, rmdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { VooduError } from '../../lib/errors.js';
import type { Paths } from '../paths/contract.js';
import { writeAtomic } from './atomic-write.js';
import { sha256Hex } from './digest.js';

const FILE_MODE = 0o644;

export class UnsafeAssetPathError extends VooduError {
  override readonly code = 'unsafe_path';
}

/**
 * The asset's directory, checked. With `create`, missing directories are
 * made; without, undefined means it does not exist (and nothing was made:
 * a dry run reads through here).
 */
export async function assetDirectory(paths: Paths, scope: string, name: string, create: boolean): Promise<string | undefined> {
  const dir = paths.assetDir(scope, name);
  const segments = scope ? [scope, name] : [name];
  if (relative(paths.assets, dir) !== segments.join(sep)) {
    throw new UnsafeAssetPathError(`asset directory ${dir} is not ${segments.join('/')} under the assets root ${paths.assets}`);
  }
  if (create) await mkdir(paths.assets, { recursive: true, mode: 0o755 });
  let realRoot: string;
  try {
    realRoot = await realpath(paths.assets);
  } catch (err) {
    if (!create && isMissing(err)) return undefined;
    throw err;
  }
  let current = paths.assets;
  for (const segment of segments) {
    current = join(current, segment);
    const st = await lstatOrUndefined(current);
    if (!st) {
      if (!create) return undefined;
      await mkdir(current, { mode: 0o755 }).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
      });
      const made = await lstat(current);
      if (!made.isDirectory() || made.isSymbolicLink()) throw unsafe(current, 'changed while it was being created');
      continue;
    }
    if (st.isSymbolicLink()) throw unsafe(current, 'is a symbolic link');
    if (!st.isDirectory()) throw unsafe(current, 'is not a directory');
  }
  // Belt and braces against a swap between the checks above and now.
  const real = await realpath(current);
  if (real !== join(realRoot, ...segments)) throw unsafe(current, `resolves to ${real}, outside its place under ${realRoot}`);
  return current;
}

/** The key's file, when it is a regular file (a symlink or directory there is no earlier content). */
export async function readKeyFile(dir: string, key: string): Promise<Buffer | undefined> {
  const path = join(dir, key);
  const st = await lstatOrUndefined(path);
  if (!st?.isFile()) return undefined;
  return readFile(path);
}

/** Writes the key atomically with mode 0644; identical content is left alone (same inode for bind mounts). */
export async function writeKeyFile(dir: string, key: string, bytes: Buffer, sha256: string): Promise<'written' | 'unchanged'> {
  const path = join(dir, key);
  const st = await lstatOrUndefined(path);
  if (st?.isDirectory()) await rm(path, { recursive: true, force: true });
  else if (st?.isFile() && (st.mode & 0o777) === FILE_MODE && sha256Hex(await readFile(path)) === sha256) return 'unchanged';
  await writeAtomic(path, bytes, FILE_MODE);
  return 'written';
}

/**
 * Removes every entry of `dir` that is not in `keep`: undeclared keys,
 * skipped keys' old files, leftover temp files. Directories are left: a key
 * is never one (a directory at a key's path is cleared when the key is
 * written), so a directory here is not something this asset wrote.
 */
export async function sweep(dir: string, keep: ReadonlySet<string>): Promise<string[]> {
  const removed: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (keep.has(entry.name) || entry.isDirectory()) continue;
    await rm(join(dir, entry.name), { force: true });
    removed.push(entry.name);
  }
  return removed;
}

/** sha256 of each key's regular file, or undefined for a key without one. */
export async function digestsOnDisk(dir: string | undefined, keys: string[]): Promise<Record<string, string | undefined>> {
  const out: Record<string, string | undefined> = {};
  for (const key of keys) {
    const bytes = dir ? await readKeyFile(dir, key) : undefined;
    out[key] = bytes ? sha256Hex(bytes) : undefined;
  }
  return out;
}

/** `rm -rf` of the asset's directory (checked first), then its scope directory if that is now empty. */
export async function removeAssetDirectory(paths: Paths, scope: string, name: string): Promise<boolean> {
  const dir = await assetDirectory(paths, scope, name, false);
  if (!dir) return false;
  await rm(dir, { recursive: true, force: true });
  if (scope) await rmdir(join(paths.assets, scope)).catch(() => {});
  return true;
}

function unsafe(path: string, why: string): UnsafeAssetPathError {
  return new UnsafeAssetPathError(`refusing to use asset path ${path}: it ${why}; remove it so the controller can recreate it`);
}

async function lstatOrUndefined(path: string) {
  try {
    return await lstat(path);
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException)?.code === 'ENOENT';
}
