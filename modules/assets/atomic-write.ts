/**
 * Writes a file so readers see either the old bytes or the new ones, never
 * half of them: a temp file in the same directory (same filesystem, so the
 * rename is atomic), then a rename over the target.
 */
import { randomBytes } from 'node:crypto';
import { chmod, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export async function writeAtomic(path: string, bytes: Buffer | string, mode = 0o644): Promise<void> {
  // A leading dot and a '.tmp' suffix: asset keys can contain neither, so a temp file never shadows a key.
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, bytes, { mode, flag: 'wx' });
    // The umask may have narrowed the mode given to open(2).
    await chmod(tmp, mode);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => {});
    throw err;
  }
}
