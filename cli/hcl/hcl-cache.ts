/**
 * Parsed HCL kept by content: `<cache>/voodu/hcl/<sha256 of the text>.json`
 * (`$XDG_CACHE_HOME`, else `~/.cache`). The parser is the slow part of
 * loading a manifest (half a second, most of it importing it), and a
 * re-apply of the same files is the common case; a file that did not change
 * is read back instead. The key is the text after `${VAR}` interpolation, so
 * a changed variable is a changed text. The directory is 0700 and the files
 * 0600: an interpolated text can hold secrets, as the HCL file itself can.
 * `VOODU_HCL_CACHE=0` turns it off. Nothing here ever fails a load: a cache
 * that cannot be read or written is simply not used.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Bumped when what is cached changes shape; part of every key. */
const FORMAT = 'hcl2-json-parser/1';
/** Entries kept; past this the oldest go. */
const MAX_ENTRIES = 500;

export function hclCacheDir(env: Record<string, string | undefined>): string | undefined {
  if (env.VOODU_HCL_CACHE === '0') return undefined;
  const base = env.XDG_CACHE_HOME || (env.HOME || homedir() ? join(env.HOME || homedir(), '.cache') : undefined);
  return base ? join(base, 'voodu', 'hcl') : undefined;
}

const keyOf = (text: string) => createHash('sha256').update(FORMAT).update('\0').update(text).digest('hex');

export async function readCachedParse(dir: string, text: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(join(dir, `${keyOf(text)}.json`), 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

export async function writeCachedParse(dir: string, text: string, parsed: unknown): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const file = join(dir, `${keyOf(text)}.json`);
    // Written aside and renamed: a reader never sees half a file.
    const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(tmp, JSON.stringify(parsed), { mode: 0o600 });
    await rename(tmp, file);
    await trim(dir);
  } catch {
    // A read-only or full home costs the speed-up, never the apply.
  }
}

async function trim(dir: string): Promise<void> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.json'));
  if (names.length <= MAX_ENTRIES) return;
  const aged = await Promise.all(names.map(async (n) => ({ n, t: (await stat(join(dir, n)).catch(() => undefined))?.mtimeMs ?? 0 })));
  aged.sort((a, b) => a.t - b.t);
  await Promise.all(aged.slice(0, names.length - MAX_ENTRIES).map(({ n }) => unlink(join(dir, n)).catch(() => undefined)));
}
