/**
 * Copies a local plugin directory into staging:
 * symlinks are dereferenced — the installed copy must not depend on the
 * source staying put — but only when they resolve inside the source
 * directory, so a link cannot smuggle `/etc` into a plugin. `.git` is left
 * behind, as a clone would.
 */
import { chmod, copyFile, lstat, mkdir, readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ValidationError } from '../../../lib/errors.js';
import { isWithin } from './extract.js';

const SKIP = new Set(['.git']);

export async function copyPluginDir(src: string, dest: string): Promise<void> {
  let root: string;
  try {
    root = await realpath(src);
  } catch {
    throw new ValidationError(`source: ${src} does not exist; give the path of a plugin directory (with plugin.yml)`, { field: 'source' });
  }
  if (!(await stat(root)).isDirectory()) {
    throw new ValidationError(`source: ${src} is not a directory; give the path of a plugin directory (with plugin.yml)`, { field: 'source' });
  }
  const copyDir = async (from: string, to: string, rel: string): Promise<void> => {
    await mkdir(to, { recursive: true, mode: 0o755 });
    for (const name of await readdir(from)) {
      if (SKIP.has(name)) continue;
      const path = join(from, name);
      const shown = rel ? `${rel}/${name}` : name;
      let real = path;
      if ((await lstat(path)).isSymbolicLink()) {
        real = await realpath(path).catch(() => {
          throw new ValidationError(`source: ${shown} in ${src} is a broken symlink; fix or remove it`, { field: 'source' });
        });
        if (!isWithin(root, real)) {
          throw new ValidationError(`source: ${shown} in ${src} is a symlink to ${real}, outside the plugin directory; refusing to copy it`, { field: 'source' });
        }
        // A link to an ancestor would copy forever.
        if (isWithin(real, from)) {
          throw new ValidationError(`source: ${shown} in ${src} is a symlink to one of its own parent directories; refusing to copy it`, { field: 'source' });
        }
      }
      const st = await stat(real);
      if (st.isDirectory()) await copyDir(real, join(to, name), shown);
      else if (st.isFile()) {
        await copyFile(real, join(to, name));
        await chmod(join(to, name), st.mode & 0o777);
      } else {
        throw new ValidationError(`source: ${shown} in ${src} is not a regular file or directory; refusing to copy it`, { field: 'source' });
      }
    }
  };
  await copyDir(root, dest, '');
}
