// RDB files on the controller host: where backup writes one and restore
// reads one. Paths come from the user's argv, so they must be absolute (the
// plugin runs in its own directory, not the user's) and are only ever
// passed to fs calls and as single argv entries.
import { rename, rm, stat } from 'node:fs/promises';
import { openSync, closeSync, readSync, fsyncSync } from 'node:fs';
import { dirname, isAbsolute } from 'node:path';

/** Every RDB file starts with these bytes, then a 4-digit format version. */
export const RDB_MAGIC = 'REDIS';

/** Refuses a relative path or one whose directory does not exist, naming the flag. */
export async function assertWritableTarget(path, flag) {
  if (!isAbsolute(path)) throw new Error(`${flag} "${path}": must be an absolute path on the controller host, e.g. ${flag} /var/backups/cache.rdb`);
  const dir = dirname(path);
  const st = await stat(dir).catch(() => undefined);
  if (!st?.isDirectory()) throw new Error(`${flag} "${path}": directory ${dir} does not exist on the controller host; create it first (mkdir -p ${dir})`);
  const existing = await stat(path).catch(() => undefined);
  if (existing && !existing.isFile()) throw new Error(`${flag} "${path}": exists and is not a regular file`);
}

/** The first bytes of a file ('' when unreadable). */
export function headOf(path, n = 9) {
  let fd;
  try {
    fd = openSync(path, 'r');
    const buf = Buffer.alloc(n);
    const got = readSync(fd, buf, 0, n, 0);
    return buf.subarray(0, got).toString('latin1');
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Checks a file is a non-empty RDB snapshot; answers its size.
 * @returns {Promise<number>}
 */
export async function assertRdb(path, flag) {
  if (!isAbsolute(path)) throw new Error(`${flag} "${path}": must be an absolute path on the controller host, e.g. ${flag} /var/backups/cache.rdb`);
  const st = await stat(path).catch((err) => {
    throw new Error(`${flag} "${path}": ${err.code === 'ENOENT' ? 'no such file on the controller host' : err.message}`);
  });
  if (!st.isFile()) throw new Error(`${flag} "${path}": not a regular file`);
  if (st.size === 0) throw new Error(`${flag} "${path}": the file is empty; give a snapshot written by voodu redis:backup`);
  const head = headOf(path);
  if (!head.startsWith(RDB_MAGIC)) {
    throw new Error(`${flag} "${path}": not an RDB snapshot (it starts with ${JSON.stringify(head.replace(/[^\x20-\x7e]/g, '.'))}, an RDB file starts with "REDIS"); give a file written by voodu redis:backup or redis-cli --rdb`);
  }
  return st.size;
}

/**
 * A fresh 0600 file next to `path` to write into; `commit` checks it is an
 * RDB snapshot and renames it over `path`, `abort` removes it. A failed or
 * cut-off backup never leaves a half file under the final name.
 */
export function partialFile(path) {
  const partial = `${path}.partial-${process.pid}-${Date.now().toString(36)}`;
  const fd = openSync(partial, 'wx', 0o600);
  let closed = false;
  const closeFd = () => {
    if (!closed) {
      closed = true;
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
  };
  return {
    fd,
    partial,
    async commit() {
      closeFd();
      const size = (await stat(partial)).size;
      const head = headOf(partial);
      if (size === 0 || !head.startsWith(RDB_MAGIC)) {
        await rm(partial, { force: true });
        return { ok: false, size, head };
      }
      await rename(partial, path);
      return { ok: true, size, head };
    },
    async abort() {
      try {
        closeFd();
      } catch {
        // already closed or unflushable: the file goes anyway
      }
      await rm(partial, { force: true });
    },
  };
}
