// What promote and rejoin ask of the pods: who streams from whom, how far a
// standby has replayed, what a stopped pod's control file says, and the
// throwaway containers that read or change a pod's data volume while the
// pod is down. Everything goes through one `deps` object (docker, SQL,
// clock, progress) so the unit tests can stand in for the pods.
import { progress } from './progress.js';
import { runSql } from './psql.js';
import { DEFAULT_PGDATA, volumeName } from './ref.js';
import { docker } from './sdk/docker.js';

/** The bridge network the pods are on: a throwaway container there resolves `<name>-<N>.<scope>.voodu`. */
export const POD_NETWORK = 'voodu0';
/** Where the data claim is mounted when the spec does not say (the expansion's default). */
export const DEFAULT_DATA_MOUNT = '/var/lib/postgresql/data';

/**
 * @typedef {object} Deps
 * @property {typeof docker} docker
 * @property {typeof runSql} sql
 * @property {(ms: number) => Promise<void>} sleep
 * @property {() => number} now
 * @property {(line: string) => void} progress
 */

/** @type {Deps} */
export const realDeps = {
  docker,
  sql: runSql,
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  now: () => Date.now(),
  progress,
};

/** `X/Y` (pg_lsn text) → a BigInt byte position, or undefined for anything else. */
export function parseLsn(text) {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(String(text ?? '').trim());
  return m ? (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`) : undefined;
}

/** Seconds with one decimal, for messages. */
export const seconds = (ms) => (Math.round(ms / 100) / 10).toFixed(1);

/** The data claim's volume and mount of pod `ordinal` (`-v` argument included). */
export function dataMount(cluster, ordinal) {
  const claims = Array.isArray(cluster.spec?.volume_claims) ? cluster.spec.volume_claims : [];
  const claim = claims.find((c) => c && c.name === 'data') ?? claims[0];
  const mountPath = typeof claim?.mount_path === 'string' && claim.mount_path ? claim.mount_path : DEFAULT_DATA_MOUNT;
  const volume = volumeName(cluster.scope, cluster.name, ordinal);
  return { volume, mountPath, arg: `${volume}:${mountPath}` };
}

/** The image the pods run (spec.image), for throwaway containers that must have the same PostgreSQL. */
export function podImage(cluster) {
  if (!cluster.image) throw new Error(`postgres ${cluster.ref}: its statefulset spec has no image; re-apply its postgres block (\`voodu apply\`)`);
  return cluster.image;
}

/**
 * A container's state: `{exists: false}` when there is none.
 * @param {Deps} deps
 * @returns {Promise<{exists: boolean, running: boolean, status: string}>}
 */
export async function containerState(deps, name) {
  const r = await deps.docker(['inspect', '--type', 'container', '--format', '{{.State.Status}}|{{.State.Running}}', name]);
  if (r.code !== 0) return { exists: false, running: false, status: 'missing' };
  const [status, running] = r.stdout.trim().split('|');
  return { exists: true, running: running === 'true' && status !== 'paused', status: status || 'unknown' };
}

/** True when the docker volume exists. @param {Deps} deps */
export async function volumeExists(deps, volume) {
  return (await deps.docker(['volume', 'inspect', '--format', '{{.Name}}', volume])).code === 0;
}

/**
 * Runs `argv` (a program of the pod's image, as the postgres OS user that
 * owns PGDATA) in a throwaway container on pod `ordinal`'s data volume.
 * @param {Deps} deps
 * @param {{network?: boolean, env?: Record<string, string>, volumesFrom?: string, timeoutMs?: number}} [opts]
 *   `env`: names go on docker's argv as `-e NAME`, values only in the docker process's environment
 */
export function onVolume(deps, cluster, ordinal, argv, opts = {}) {
  const [entry, ...rest] = argv;
  const args = ['run', '--rm', '-u', 'postgres'];
  // --volumes-from brings the pod's config binds too (pg_rewind may start the server once for crash recovery).
  if (opts.volumesFrom) args.push('--volumes-from', opts.volumesFrom);
  else args.push('-v', dataMount(cluster, ordinal).arg);
  if (opts.network) args.push('--network', POD_NETWORK);
  for (const k of Object.keys(opts.env ?? {})) args.push('-e', k);
  args.push('--entrypoint', entry, podImage(cluster), ...rest);
  return deps.docker(args, { timeoutMs: opts.timeoutMs ?? 60_000, ...(opts.env ? { env: opts.env } : {}) });
}

/**
 * `pg_controldata` of pod `ordinal`'s data (the pod must be down for the
 * answer to mean anything): the cluster state and the latest checkpoint.
 * @param {Deps} deps
 */
export async function controlData(deps, cluster, ordinal) {
  const r = await onVolume(deps, cluster, ordinal, ['pg_controldata', cluster.pgdata || DEFAULT_PGDATA]);
  if (r.code !== 0) throw new Error(`pg_controldata of pod ${ordinal} (${dataMount(cluster, ordinal).volume}): ${(r.stderr.trim() || r.stdout.trim()).split('\n').slice(-2).join(' ')}`);
  return parseControlData(r.stdout);
}

/** The lines of pg_controldata that promote and rejoin read. */
export function parseControlData(text) {
  const field = (label) => new RegExp(`^${label}:\\s*(.+)$`, 'm').exec(text)?.[1]?.trim() ?? '';
  return {
    state: field('Database cluster state'),
    checkpoint: field('Latest checkpoint location'),
    timeline: Number(field("Latest checkpoint's TimeLineID")) || undefined,
  };
}

/** The application_name a pod's walreceiver reports (the entrypoint's primary_conninfo: `<PG_NAME>-<ordinal>`). */
export const applicationName = (cluster, ordinal) => `${cluster.name}-${ordinal}`;

const ROWS_SQL = `SELECT application_name, COALESCE(host(client_addr), ''), COALESCE(state, ''), COALESCE(replay_lsn::text, ''),
  COALESCE(pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END, replay_lsn)::bigint::text, '')
FROM pg_stat_replication;`;

/**
 * pg_stat_replication of pod `upstream` (a primary, or a standby others cascade from).
 * @param {Deps} deps
 * @returns {Promise<{app: string, addr: string, state: string, replay: string, lagBytes: number | undefined}[]>}
 */
export async function replicationRows(deps, cluster, upstream) {
  const out = await deps.sql(cluster, upstream, ROWS_SQL, { db: 'postgres', what: `pg_stat_replication on ${cluster.container(upstream)}` });
  return parseReplicationRows(out);
}

/** `app|addr|state|replay|lag` lines → rows. */
export function parseReplicationRows(text) {
  return String(text ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const [app = '', addr = '', state = '', replay = '', lag = ''] = l.split('|');
      return { app, addr, state, replay, lagBytes: /^-?\d+$/.test(lag) ? Number(lag) : undefined };
    });
}

/** Pod `ordinal`'s IP addresses (to match pg_stat_replication.client_addr). @param {Deps} deps */
export async function podAddresses(deps, container) {
  const r = await deps.docker(['inspect', '--type', 'container', '--format', '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}', container]);
  return r.code === 0 ? r.stdout.trim().split(/\s+/).filter(Boolean) : [];
}

/** Pod `ordinal`'s row among `rows`: by its application_name, else by its address. */
export function rowOf(rows, cluster, ordinal, addresses = []) {
  return rows.find((r) => r.app === applicationName(cluster, ordinal)) ?? rows.find((r) => r.addr && addresses.includes(r.addr));
}

/**
 * Waits until pod `ordinal` streams from pod `upstream` (its row says
 * `streaming`). Resolves the row; throws after `timeoutMs` with what was seen last.
 * @param {Deps} deps
 * @param {{timeoutMs?: number, every?: number, label?: string}} [opts]
 */
export async function waitStreaming(deps, cluster, upstream, ordinal, opts = {}) {
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const until = deps.now() + timeoutMs;
  let last = 'no answer yet';
  let said = 0;
  for (;;) {
    try {
      const rows = await replicationRows(deps, cluster, upstream);
      const row = rowOf(rows, cluster, ordinal, await podAddresses(deps, cluster.container(ordinal)));
      if (row?.state === 'streaming') return row;
      last = row ? `its walreceiver is ${row.state}` : `pod ${upstream} lists ${rows.length ? rows.map((r) => r.app || r.addr).join(', ') : 'no standby'}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (deps.now() >= until) {
      throw new Error(`pod ${ordinal} (${cluster.container(ordinal)}) did not stream from pod ${upstream} within ${Math.round(timeoutMs / 1000)} s (${last})`);
    }
    if (deps.now() - said >= 10_000) {
      said = deps.now();
      deps.progress(`postgres ${cluster.ref}: waiting for pod ${ordinal} to stream from pod ${upstream} (${last})`);
    }
    await deps.sleep(opts.every ?? 1000);
  }
}

/** `pg_last_wal_replay_lsn()` of a standby, or undefined when it answers none. @param {Deps} deps */
export async function replayLsn(deps, cluster, ordinal) {
  return parseLsn(await deps.sql(cluster, ordinal, 'SELECT pg_last_wal_replay_lsn();', { db: 'postgres', what: `replay position of ${cluster.container(ordinal)}` }));
}

/** `pg_is_in_recovery()` of a pod: true for a standby. @param {Deps} deps */
export async function inRecovery(deps, cluster, ordinal) {
  return (await deps.sql(cluster, ordinal, 'SELECT pg_is_in_recovery();', { db: 'postgres', what: `pg_is_in_recovery() on ${cluster.container(ordinal)}` })) === 't';
}

/** A docker answer's last words, for an error. */
export const dockerWords = (r) => (r.stderr.trim() || r.stdout.trim() || `exit code ${r.code}`).split('\n').filter(Boolean).slice(-3).join(' ');
