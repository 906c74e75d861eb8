/**
 * The app's own env file: `apps/<appId>/shared/.env`,
 * replaced whole on every write. Written to a temp file in the same dir and
 * renamed, so a container starting mid-write reads the old file or the new
 * one, never half of each.
 */
import { randomBytes } from 'node:crypto';
import { chown, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { TransientError, ValidationError } from '../../lib/errors.js';

/** Decision 5, low → high: manifest env < scope config < app config. */
export function mergeEnv(manifestEnv: Record<string, unknown>, scoped: Record<string, string>, app: Record<string, string>) {
  const env: [string, string][] = [];
  for (const [key, value] of Object.entries(manifestEnv)) {
    // HCL gives numbers and booleans; anything else has no env spelling.
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') env.push([key, String(value)]);
  }
  // Spread and fromEntries define own properties, so a `__proto__` key stays a key.
  return { ...Object.fromEntries(env), ...scoped, ...app } as Record<string, string>;
}

/** Sorted `KEY=VALUE\n` lines, keys and values trimmed. Rejects what would corrupt the line format. */
export function renderEnvFile(env: Record<string, string>): string {
  const trimmed = new Map<string, string>();
  for (const [rawKey, rawValue] of Object.entries(env)) {
    const key = rawKey.trim();
    if (!key) continue;
    // Docker's env-file reader would split, skip or mis-key these lines.
    if (/[\s=\0]/.test(key) || key.startsWith('#')) {
      throw new ValidationError(`env ${JSON.stringify(key)}: not usable as a variable name in an env file (no '=', whitespace, NUL or leading '#')`, {
        field: 'env',
      });
    }
    const value = String(rawValue).trim();
    if (/[\r\n\0]/.test(value)) {
      throw new ValidationError(`env ${key}: the value contains a newline or NUL, which an env file cannot hold (one KEY=VALUE per line)`, {
        field: 'env',
      });
    }
    trimmed.set(key, value);
  }
  const lines = [...trimmed.keys()].sort().map((key) => `${key}=${trimmed.get(key)}\n`);
  return lines.join('');
}

/**
 * Writes `content` to `file` (0600) via temp file + fsync + rename. The app
 * tree `<appDir>/{releases,shared}` is created 0755 first; when the
 * controller runs as root, the tree and file are handed to the owner of
 * `root` (`$VOODU_ROOT`), as the reference does.
 */
export async function writeEnvFileAtomic(file: string, content: string, appDir: string, root: string): Promise<void> {
  const dirs = [appDir, join(appDir, 'releases'), join(appDir, 'shared')];
  for (const dir of dirs) await mkdir(dir, { recursive: true, mode: 0o755 });
  await mkdir(dirname(file), { recursive: true, mode: 0o755 });
  const owner = await rootOwner(root);
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await open(tmp, 'wx', 0o600);
    try {
      await handle.writeFile(content, 'utf8');
      // The umask cannot widen 0600, but an inherited ACL default could: be explicit.
      await handle.chmod(0o600);
      if (owner) await handle.chown(owner.uid, owner.gid);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') {
      // The old file is untouched; the reconcile retries, and the resync after it, until there is room.
      throw new TransientError(`writing the env file ${file}: the filesystem is full (${code}); free some space under ${root} — the change is retried, and what runs keeps its current env meanwhile`, { cause: err });
    }
    throw err;
  }
  if (owner) for (const dir of dirs) await chown(dir, owner.uid, owner.gid);
}

/** The owner to hand files to, or undefined when not root (we could not chown anyway) or already the same. */
async function rootOwner(root: string): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const st = await stat(root);
  return st.uid === 0 && st.gid === 0 ? undefined : { uid: st.uid, gid: st.gid };
}
