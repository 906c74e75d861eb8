// redis:backup <scope>/<name> --destination P [--source N]: an RDB
// snapshot of one pod, streamed by `redis-cli --rdb -` (a replication
// SYNC, so it is a consistent point-in-time snapshot whether the pod runs
// with AOF or not) into a file on the controller host.
//
// The default source offloads the master: the highest ordinal, one lower
// when that is the master. A replica that is not running or has lost its
// master is passed over (its data may be stale) for the next one, the
// master last.
import { dockerToFd, inspectContainer } from '../sdk/docker.js';
import { assertNoProblems, parseFlags } from '../sdk/flags.js';
import { assertWritableTarget, partialFile } from '../rdb.js';
import { authedCliArgv, info, parsePairs, redisCli } from '../rediscli.js';
import { containerName } from '../ref.js';
import { expectPositionals, loadRedis, scopedRef } from '../resource.js';
import { redisMasterOrdinal, redisReplicas } from '../topology.js';
import { monitorTarget } from '../urls.js';

const USAGE = 'voodu redis:backup <scope>/<name> --destination /abs/path.rdb [--source N]';
const BACKUP_TIMEOUT_MS = 50_000;

export const help = `Usage: ${USAGE}

Writes an RDB snapshot of one pod to a file on the controller host (mode
0600; an existing file is replaced only once the new one is complete and
checked). Works the same with appendonly = true.

  --destination P   absolute path on the controller host
  --source N        the pod to snapshot; default: the highest-ordinal
                    replica in sync with its master (offloads the master),
                    the master when there is no such replica

Examples:
  voodu redis:backup prod/cache --destination /var/backups/cache.rdb
  voodu redis:backup prod/cache --destination=/var/backups/cache.rdb --source 0
`;

/**
 * The pod the snapshot is taken from when none is asked for: the highest
 * ordinal, one lower when that is the master; the only pod of a single one.
 */
export function pickBackupSource(replicas, masterOrdinal, override) {
  if (override !== undefined) return override;
  if (replicas <= 1) return 0;
  const top = replicas - 1;
  return top === masterOrdinal && top > 0 ? top - 1 : top;
}

/** Every ordinal in the order the default source tries them: replicas from the top, the master last. */
export function backupCandidates(replicas, masterOrdinal) {
  const first = pickBackupSource(replicas, masterOrdinal);
  const rest = Array.from({ length: replicas }, (_, i) => replicas - 1 - i).filter((o) => o !== first && o !== masterOrdinal);
  return [...new Set([first, ...rest, masterOrdinal])].filter((o) => o >= 0 && o < replicas);
}

export async function run(args, ctx) {
  const p = parseFlags(args, { value: ['--destination'], int: ['--source'], examples: { '--destination': '/var/backups/cache.rdb' } });
  assertNoProblems(p, USAGE);
  expectPositionals(p.positional, 1, USAGE);
  const destination = p.flags['--destination'];
  if (destination === undefined) throw new Error(`--destination: required; give the file to write on the controller host\nusage: ${USAGE}`);
  await assertWritableTarget(destination, '--destination');
  const res = scopedRef(p.positional[0], '<scope>/<name>');
  const redis = await loadRedis(ctx, res.scope, res.name);
  const watched = monitorTarget(redis.spec);
  if (watched) throw new Error(`${res.ref}: is a sentinel resource and holds no data; back up the redis it watches: voodu redis:backup ${watched.scope || res.scope}/${watched.name} --destination ${destination}`);
  const replicas = redisReplicas(redis.spec);
  const master = redisMasterOrdinal(redis.config);
  const override = p.flags['--source'];
  if (override !== undefined && override >= replicas) throw new Error(`--source ${override}: out of range for ${res.ref} (replicas = ${replicas}: ordinals 0..${replicas - 1})`);

  // A replica can drop its master link mid-snapshot (a restart, a resync): the next usable pod is tried then.
  const { sources, skipped } = await usableSources(res, replicas, master, override);
  const failures = [];
  const deadline = Date.now() + BACKUP_TIMEOUT_MS;
  for (const source of sources) {
    if (deadline - Date.now() < 3000) break;
    const started = Date.now();
    const got = await snapshot(source, destination, deadline - Date.now());
    if (!got.ok) {
      failures.push(`${source.container}: ${got.why}`);
      continue;
    }
    const seconds = (Date.now() - started) / 1000;
    const passed = [...skipped, ...failures];
    return {
      message: `backup of redis ${res.ref} written to ${destination} (${got.size} bytes, source=ordinal-${source.ordinal}, ${seconds.toFixed(2)} s, ${rate(got.size, seconds)})${passed.length ? `; passed over ${passed.join('; ')}` : ''}`,
      actions: [],
    };
  }
  throw new Error(`backup of ${res.ref} failed, nothing was written to ${destination}: ${[...skipped, ...failures].join('; ')}`);
}

/**
 * One `redis-cli --rdb -` of `source` into a partial file, renamed over
 * `destination` when it is a whole RDB. The pod's repl-diskless-sync-delay
 * (5 s by default: a wait for more replicas to share the transfer) is 0 for
 * the snapshot and put back after.
 */
async function snapshot(source, destination, timeoutMs) {
  const delay = await redisCli(source.container, ['CONFIG', 'GET', 'repl-diskless-sync-delay'])
    .then((out) => parsePairs(out)['repl-diskless-sync-delay'])
    .catch(() => undefined);
  const lower = delay !== undefined && delay !== '0';
  if (lower) {
    try {
      await redisCli(source.container, ['CONFIG', 'SET', 'repl-diskless-sync-delay', '0']);
    } catch (err) {
      return { ok: false, why: err.message };
    }
  }
  const file = partialFile(destination);
  let r;
  try {
    r = await dockerToFd(['exec', source.container, ...authedCliArgv(['--rdb', '-'])], file.fd, { timeoutMs });
  } catch (err) {
    await file.abort();
    throw err;
  } finally {
    if (lower) await redisCli(source.container, ['CONFIG', 'SET', 'repl-diskless-sync-delay', delay]).catch(() => undefined);
  }
  if (r.code !== 0) {
    await file.abort();
    return { ok: false, why: lastLines(r.stderr) || `exit ${r.code}` };
  }
  const done = await file.commit();
  if (!done.ok) return { ok: false, why: `redis-cli --rdb wrote ${done.size ? `${done.size} bytes that are not an RDB snapshot` : 'nothing'} (${lastLines(r.stderr) || 'no message'})` };
  return { ok: true, size: done.size };
}

/**
 * The pods to snapshot, in order: the asked one (which must run), else
 * every candidate that runs and, for a replica, is in sync with its master.
 */
async function usableSources(res, replicas, master, override) {
  if (override !== undefined) {
    const container = containerName(res.scope, res.name, override);
    const st = await inspectContainer(container);
    if (!st?.running) throw new Error(`--source ${override}: pod ${container} of ${res.ref} is ${st ? st.status : 'missing'}; start it (voodu start) or pick another ordinal`);
    return { sources: [{ ordinal: override, container }], skipped: [] };
  }
  const sources = [];
  const skipped = [];
  for (const ordinal of backupCandidates(replicas, master)) {
    const container = containerName(res.scope, res.name, ordinal);
    const st = await inspectContainer(container);
    if (!st?.running) {
      skipped.push(`${container}: ${st ? st.status : 'missing'}`);
      continue;
    }
    if (ordinal !== master && replicas > 1) {
      const rep = await info(container, 'replication').catch((err) => ({ error: err.message }));
      if (rep.role !== 'slave' || rep.master_link_status !== 'up') {
        skipped.push(`${container}: ${rep.error ?? `role ${rep.role}, master link ${rep.master_link_status ?? '?'}`}`);
        continue;
      }
    }
    sources.push({ ordinal, container });
  }
  if (!sources.length) throw new Error(`no pod of ${res.ref} can be backed up (${skipped.join('; ')}); check \`voodu logs ${res.ref}\``);
  return { sources, skipped };
}

const lastLines = (s) => String(s).trim().split('\n').slice(-2).join(' ');

function rate(bytes, seconds) {
  if (seconds <= 0) return 'instant';
  const mb = bytes / 1024 / 1024 / seconds;
  return `${mb >= 10 ? mb.toFixed(0) : mb.toFixed(1)} MiB/s`;
}
