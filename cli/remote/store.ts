/**
 * Remotes live in the operator's config dir, never in a project file, so a
 * repository never carries someone's hosts or key paths:
 * `$XDG_CONFIG_HOME/voodu/remotes.json`, else `~/.config/voodu/remotes.json`.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError } from '../client.js';

export interface Remote {
  name: string;
  user?: string;
  host: string;
  port?: number;
  /** Absolute path of the private key (`ssh -i`). */
  identity?: string;
}

export interface RemotesFile {
  default?: string;
  remotes: Record<string, { target: string; identity?: string }>;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;
// user@host[:port]; host is a DNS name, an IPv4 address or a bracketed IPv6 one. Nothing may start with `-` (ssh would read an option).
const TARGET = /^(?:([A-Za-z0-9_][A-Za-z0-9._-]{0,31})@)?([A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}))?$/;

export function remotesPath(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'voodu', 'remotes.json');
}

export function validateName(name: string | undefined): string {
  if (!name || !NAME.test(name)) {
    throw new CliError(`remote name "${name ?? ''}" is not valid; use letters, digits, - and _ (up to 63, starting with a letter or digit), e.g. prod`);
  }
  return name;
}

/** Parses `user@host[:port]` into its parts; the error names the expected shape. */
export function parseTarget(target: string | undefined): Pick<Remote, 'user' | 'host' | 'port'> {
  const m = TARGET.exec(target ?? '');
  if (!m) throw new CliError(`target "${target ?? ''}" is not valid; give user@host or user@host:port, e.g. root@203.0.113.10:22`);
  const port = m[3] === undefined ? undefined : Number(m[3]);
  if (port !== undefined && (port < 1 || port > 65535)) throw new CliError(`target "${target}": port ${m[3]} is out of range; use 1-65535`);
  return { ...(m[1] ? { user: m[1] } : {}), host: m[2]!.replace(/^\[|\]$/g, ''), ...(port ? { port } : {}) };
}

export async function loadRemotes(env: NodeJS.ProcessEnv): Promise<RemotesFile> {
  const path = remotesPath(env);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { remotes: {} };
    throw new CliError(`cannot read ${path}: ${(err as Error).message}`);
  }
  let parsed: RemotesFile;
  try {
    parsed = JSON.parse(text) as RemotesFile;
  } catch (err) {
    throw new CliError(`${path} is not valid JSON (${(err as Error).message}); fix it or remove it and add the remotes again`);
  }
  if (typeof parsed !== 'object' || parsed === null || typeof parsed.remotes !== 'object' || parsed.remotes === null) {
    throw new CliError(`${path} has no "remotes" object; fix it or remove it and add the remotes again`);
  }
  return parsed;
}

/** Written 0600 to a temp file and renamed over, so a crash never leaves half a file. */
export async function saveRemotes(env: NodeJS.ProcessEnv, file: RemotesFile): Promise<string> {
  const path = remotesPath(env);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${randomBytes(3).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, JSON.stringify(file, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new CliError(`cannot write ${path}: ${(err as Error).message}`);
  }
  return path;
}

export function toRemote(name: string, entry: { target: string; identity?: string }): Remote {
  return { name, ...parseTarget(entry.target), ...(entry.identity ? { identity: entry.identity } : {}) };
}

/** The remote a command goes to: `-r NAME`, else the default one, else none (local). */
export async function selectRemote(flag: string | undefined, env: NodeJS.ProcessEnv): Promise<Remote | undefined> {
  // Set on every forwarded command, so the host's own voodu never forwards again.
  if (env.VOODU_NO_REMOTE === '1') return undefined;
  const file = await loadRemotes(env);
  const name = flag ?? file.default;
  if (name === undefined) return undefined;
  const entry = file.remotes[name];
  if (!entry) {
    const known = Object.keys(file.remotes);
    const why = flag === undefined ? `the default remote "${name}" is not in ${remotesPath(env)}` : `no remote named "${name}"`;
    throw new CliError(`${why}; add it with \`voodu remote add ${name} user@host\`${known.length ? ` (known: ${known.join(', ')})` : ''}`);
  }
  return toRemote(name, entry);
}
