/**
 * What `-f` names: `-` is stdin; a relative path is
 * tried under `.voodu/` first, then as given, each with "", .hcl, .voodu,
 * .vdu, .vd appended; a directory means every manifest file under it,
 * recursively, in lexicographic order.
 */
import { readdir, stat } from 'node:fs/promises';
import { dirname, extname, isAbsolute, join, relative, resolve } from 'node:path';
import { ValidationError } from '../../lib/errors.js';

export const MANIFEST_EXTENSIONS = ['.hcl', '.voodu', '.vdu', '.vd'] as const;
const SUFFIXES = ['', ...MANIFEST_EXTENSIONS];

export type Input = { kind: 'stdin' } | { kind: 'file'; path: string; display: string; dir: string };

export function isManifestFile(path: string): boolean {
  return (MANIFEST_EXTENSIONS as readonly string[]).includes(extname(path).toLowerCase());
}

async function statOrUndefined(path: string) {
  try {
    return await stat(path);
  } catch {
    return undefined;
  }
}

/** How a path is shown in messages: relative to the working directory when under it. */
export function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out: string[] = [];
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(path)));
    else if ((e.isFile() || (e.isSymbolicLink() && (await statOrUndefined(path))?.isFile())) && isManifestFile(path)) out.push(path);
  }
  return out;
}

export async function resolveInputs(files: string[], cwd: string): Promise<Input[]> {
  const out: Input[] = [];
  for (const given of files) {
    if (given === '-') {
      out.push({ kind: 'stdin' });
      continue;
    }
    const bases = isAbsolute(given) ? [given] : [resolve(cwd, '.voodu', given), resolve(cwd, given)];
    let found: { path: string; isDir: boolean } | undefined;
    for (const base of bases) {
      for (const suffix of SUFFIXES) {
        const s = await statOrUndefined(base + suffix);
        if (s) {
          found = { path: base + suffix, isDir: s.isDirectory() };
          break;
        }
      }
      if (found) break;
    }
    if (!found) {
      const where = isAbsolute(given) ? given : `.voodu/${given} or ${given}`;
      throw new ValidationError(`-f ${given}: no such file or directory (looked for ${where}, also with .hcl, .voodu, .vdu or .vd)`, { field: 'file' });
    }
    if (found.isDir) {
      const paths = await walk(found.path);
      if (!paths.length) throw new ValidationError(`-f ${given}: no manifest files (.hcl, .voodu, .vdu, .vd) under ${displayPath(found.path, cwd)}`, { field: 'file' });
      for (const path of paths) out.push({ kind: 'file', path, display: displayPath(path, cwd), dir: dirname(path) });
      continue;
    }
    if (!isManifestFile(found.path)) {
      throw new ValidationError(`-f ${given}: unsupported extension ${JSON.stringify(extname(found.path))} (want .hcl, .voodu, .vdu, .vd)`, { field: 'file' });
    }
    out.push({ kind: 'file', path: found.path, display: displayPath(found.path, cwd), dir: dirname(found.path) });
  }
  return out;
}
