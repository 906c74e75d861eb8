/**
 * Where the CLI finds the API token (docs/security.md):
 * 1. `VOODU_API_TOKEN`, sent to whatever controller URL is in use;
 * 2. the controller's token file (`VOODU_API_TOKEN_FILE`, else
 *    `$VOODU_ROOT/api-token`, else /opt/voodu/api-token) — read only for a
 *    loopback controller URL, so this host's token never travels to another.
 * A capability URL (`…/cap/<token>`, `…/pod/<token>`) carries its own
 * credential in the path and needs neither.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TokenLookup {
  token?: string;
  /** Why no token was found, for messages: "cannot read /opt/voodu/api-token (EACCES: …)". */
  problem?: string;
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/i;

export function tokenFilePath(env: NodeJS.ProcessEnv): string {
  return env.VOODU_API_TOKEN_FILE || join(env.VOODU_ROOT || '/opt/voodu', 'api-token');
}

export function findToken(env: NodeJS.ProcessEnv, baseUrl: string): TokenLookup {
  if (env.VOODU_API_TOKEN) return { token: env.VOODU_API_TOKEN.trim() };
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return { problem: `${baseUrl} is not a URL` };
  }
  if (/^\/(cap|pod)\/[^/]+/.test(url.pathname)) return {};
  const file = tokenFilePath(env);
  if (!LOOPBACK.test(url.hostname)) {
    return { problem: `${baseUrl} is not on this host, so ${file} is not sent there; set VOODU_API_TOKEN to that controller's token, or use a remote (voodu remote add)` };
  }
  try {
    const token = readFileSync(file, 'utf8').trim();
    return token ? { token } : { problem: `${file} is empty` };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES') {
      return { problem: `cannot read ${file} (permission denied): run voodu as root, or as a member of the group the controller was started with (--api-group)` };
    }
    if (code === 'ENOENT') return { problem: `${file} does not exist: is voodu-controller running here with VOODU_ROOT=${env.VOODU_ROOT || '/opt/voodu'}? (set VOODU_ROOT or VOODU_API_TOKEN_FILE otherwise)` };
    return { problem: `cannot read ${file} (${code ?? (err as Error).message})` };
  }
}
