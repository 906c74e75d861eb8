/**
 * The API token file: created with a random token on first start, readable
 * by root only (0600), or by one group as well (0640) when the operator names
 * it — the way the docker group grants the socket. The CLI on the host reads
 * the same file, so nobody types the token. See docs/security.md.
 */
import { randomBytes } from 'node:crypto';
import { chmod, chown, open, readFile, stat } from 'node:fs/promises';
import { ValidationError } from '../../lib/errors.js';

export const TOKEN_FILE_NAME = 'api-token';

/** 32 random bytes as hex: 256 bits, and no character a shell or header would mangle. */
export function newToken(): string {
  return randomBytes(32).toString('hex');
}

/** The gid of group `name` from /etc/group (Node has no getgrnam). */
export async function groupId(name: string, groupFile = '/etc/group'): Promise<number> {
  const text = await readFile(groupFile, 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    const [group, , gid] = line.split(':');
    if (group === name && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
  }
  throw new ValidationError(`api.group: no group "${name}" in ${groupFile}; create it (groupadd ${name}) or drop --api-group`, { field: 'group' });
}

/** A token given by the operator (env or file) must be long enough to guess at no better than chance. */
export function checkToken(token: string, where: string): string {
  const t = token.trim();
  if (t.length < 16 || /\s/.test(t)) {
    throw new ValidationError(`${where}: the API token must be at least 16 characters with no whitespace`, { field: 'token' });
  }
  return t;
}

export interface TokenFileOptions {
  path: string;
  /** Create the file when it does not exist (the default path); an explicit --api-token-file must exist. */
  create: boolean;
  group?: string;
  warn(message: string): void;
}

/** Reads the token, creating the file first when allowed, and keeps its mode and group as asked. */
export async function ensureTokenFile(opts: TokenFileOptions): Promise<string> {
  const gid = opts.group ? await groupId(opts.group) : undefined;
  const mode = gid === undefined ? 0o600 : 0o640;
  let token: string;
  try {
    token = await readFile(opts.path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    if (!opts.create) {
      throw new ValidationError(`api.tokenFile: ${opts.path} does not exist; write a token of 16+ characters into it (mode 0600) or drop --api-token-file to have one created`, { field: 'tokenFile' });
    }
    token = newToken();
    // `wx`: two controllers racing on one root must not overwrite each other's token.
    const handle = await open(opts.path, 'wx', 0o600).catch(async (e: NodeJS.ErrnoException) => {
      if (e.code === 'EEXIST') return undefined;
      throw e;
    });
    if (!handle) return ensureTokenFile(opts);
    try {
      await handle.writeFile(`${token}\n`);
    } finally {
      await handle.close();
    }
  }
  const st = await stat(opts.path);
  if (gid !== undefined && st.gid !== gid) await chown(opts.path, st.uid, gid);
  if ((st.mode & 0o777) !== mode) {
    if (st.mode & 0o007 || (gid === undefined && st.mode & 0o070)) opts.warn(`${opts.path} was readable beyond its owner${gid === undefined ? '' : ' and group'} (mode ${(st.mode & 0o777).toString(8)}); set to ${mode.toString(8)}`);
    await chmod(opts.path, mode);
  }
  return checkToken(token, opts.path);
}
