/**
 * Why the ingress plugin could not bind its ports: the engine's error says
 * only "port is already allocated" or "address already in use". The operator
 * needs to know who holds the port, so the error is read for the port, and
 * the holder is looked up — a docker container publishing it (asked of the
 * runtime), else a process listening on it (the socket inode in
 * /proc/net/tcp{,6}, then the /proc/<pid>/fd link pointing at it).
 * The parsing and the message are pure; `findPortHolders` does the I/O.
 */
import { readFile, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Runtime } from '../runtime/contract.js';

export interface BindFailure {
  port: number;
  /** The address it was asked on (`0.0.0.0`, `127.0.0.1`, `[::]`); empty when the error gives none. */
  address: string;
}

export type PortHolder =
  | { kind: 'container'; name: string }
  | { kind: 'process'; pid: number; command: string }
  /** A listening socket whose process this controller cannot see (another user's, without root). */
  | { kind: 'socket'; inode: string };

// Docker's spellings of a taken host port: another container's publish, the userland proxy's
// listen, and the newer engines' port mapper; the last one is any Go listen error.
const PATTERNS = [
  /Bind for (\S*):(\d+) failed: port is already allocated/,
  /failed to bind host port for (\S*?):(\d+):\S*: address already in use/,
  /listen (?:tcp|udp)[46]? (\S*):(\d+): bind: address already in use/,
];

/** The first taken port an error text names, or undefined when the text is not about one. */
export function bindFailure(text: string): BindFailure | undefined {
  for (const re of PATTERNS) {
    const m = re.exec(text);
    if (!m) continue;
    const port = Number(m[2]);
    if (Number.isInteger(port) && port > 0 && port < 65536) return { port, address: m[1] ?? '' };
  }
  return undefined;
}

/** Inodes of the sockets listening on `port` in a /proc/net/tcp or tcp6 table. */
export function listeningInodes(table: string, port: number): string[] {
  const out: string[] = [];
  for (const line of table.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
    if (cols.length < 10) continue;
    const local = cols[1]!;
    const hexPort = local.slice(local.lastIndexOf(':') + 1);
    if (cols[3] !== '0A' || parseInt(hexPort, 16) !== port) continue;
    if (cols[9] !== '0' && !out.includes(cols[9]!)) out.push(cols[9]!);
  }
  return out;
}

/** One sentence: which port, who holds it, and what to do. */
export function portHolderMessage(failure: BindFailure, holders: PortHolder[]): string {
  const where = failure.address ? ` (${failure.address}:${failure.port})` : '';
  const who = holders.map((h) =>
    h.kind === 'container'
      ? `docker container "${h.name}" publishes it`
      : h.kind === 'process'
        ? `process "${h.command}" (pid ${h.pid}) listens on it`
        : `a process this controller cannot see listens on it (socket inode ${h.inode}; \`ss -ltnp 'sport = :${failure.port}'\` as root names it)`,
  );
  if (who.length === 0) return `port ${failure.port}${where} is taken, but nothing holds it any more (freed meanwhile?); the next try may succeed`;
  const fix = holders[0]!.kind === 'container' ? 'stop or remove that container' : 'stop that process';
  return `port ${failure.port}${where} is taken: ${who.join('; ')}; ${fix}, or move the ingress plugin to other host ports`;
}

/** Running containers publishing `port` on the host, by name. */
async function containersPublishing(runtime: Runtime, port: number): Promise<string[]> {
  const names: string[] = [];
  for (const c of await runtime.list({}, { all: false })) {
    const details = await runtime.inspect(c.id).catch(() => undefined);
    if (!details) continue;
    const bound = Object.values(details.ports ?? {}).some((bindings) => (bindings ?? []).some((b) => Number(b.hostPort) === port));
    if (bound) names.push(details.name);
  }
  return names;
}

/** Processes holding a listening socket on `port`, found by socket inode under `proc`. */
async function processesListening(port: number, proc: string): Promise<PortHolder[]> {
  const inodes = new Set<string>();
  for (const table of ['net/tcp', 'net/tcp6']) {
    const text = await readFile(join(proc, table), 'utf8').catch(() => '');
    for (const inode of listeningInodes(text, port)) inodes.add(inode);
  }
  if (inodes.size === 0) return [];
  const found = new Map<string, PortHolder>();
  const pids = (await readdir(proc).catch(() => [] as string[])).filter((d) => /^\d+$/.test(d));
  for (const pid of pids) {
    const fds = await readdir(join(proc, pid, 'fd')).catch(() => [] as string[]);
    for (const fd of fds) {
      const link = await readlink(join(proc, pid, 'fd', fd)).catch(() => '');
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (!m || !inodes.has(m[1]!) || found.has(m[1]!)) continue;
      const command = (await readFile(join(proc, pid, 'comm'), 'utf8').catch(() => '?')).trim() || '?';
      found.set(m[1]!, { kind: 'process', pid: Number(pid), command });
    }
  }
  return [...inodes].map((inode) => found.get(inode) ?? { kind: 'socket', inode });
}

/** Who holds `port`: containers publishing it first (their docker-proxy is not the answer), else processes. */
export async function findPortHolders(runtime: Runtime, port: number, proc = '/proc'): Promise<PortHolder[]> {
  const containers = await containersPublishing(runtime, port).catch(() => []);
  if (containers.length) return containers.map((name) => ({ kind: 'container', name }));
  return processesListening(port, proc).catch(() => []);
}

/** The port sentence for an error text about a taken port; undefined for any other text. */
export async function explainBindFailure(runtime: Runtime, text: string, proc?: string): Promise<string | undefined> {
  const failure = bindFailure(text);
  if (!failure) return undefined;
  return portHolderMessage(failure, await findPortHolders(runtime, failure.port, proc));
}
