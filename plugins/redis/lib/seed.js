// Restoring a snapshot by replication, into the running master:
//
// 1. the snapshot is copied into the master's container and a throwaway
//    "seed" redis-server is started there on 127.0.0.1 with it (same
//    redis.conf, so the same password, but its own dir, no AOF, no saves);
// 2. the master becomes a replica of the seed: Redis itself flushes it and
//    loads the snapshot (a full sync), and with AOF on it rewrites the AOF
//    from the new dataset right after — so no old AOF can replay over the
//    restore, and no file of a stopped container is edited behind Redis;
// 3. the master is promoted back (REPLICAOF NO ONE) with a new
//    replication ID, so every replica must full-sync the restored data;
// 4. the seed is shut down and its files removed.
//
// The pods are never stopped: voodu would recreate a stopped pod at once
// (with the old data). While the master follows the seed it refuses writes
// (READONLY) and serves the old data until the load; afterwards it is the
// same master with the snapshot's keys.
import { randomBytes, randomInt } from 'node:crypto';
import { docker, dockerOk } from './sdk/docker.js';
import { CONF_PATH, info, parseInfo, parsePairs, redisCli } from './rediscli.js';
import { until } from './switch.js';

/** Keys in every db of an `INFO keyspace` answer. */
export function keyCount(keyspace) {
  let n = 0;
  for (const [k, v] of Object.entries(keyspace)) if (/^db\d+$/.test(k)) n += Number(/keys=(\d+)/.exec(v)?.[1] ?? 0);
  return n;
}

const left = (deadline) => Math.max(1000, deadline - Date.now());

async function configGet(container, key) {
  return parsePairs(await redisCli(container, ['CONFIG', 'GET', key]))[key];
}

/**
 * @param {{ordinal: number, container: string}} master
 * @param {string} file the snapshot on the controller host
 * @param {number} deadline epoch ms by which the master must be loaded
 * @returns {Promise<{keys: number, appendonly: boolean, loadedMs: number}>}
 */
export async function restoreIntoMaster(master, file, deadline) {
  const c = master.container;
  const dir = await configGet(c, 'dir');
  if (!dir?.startsWith('/')) throw new Error(`${c}: CONFIG GET dir answered ${JSON.stringify(dir)}; cannot place the snapshot`);
  const appendonly = (await configGet(c, 'appendonly')) === 'yes';
  const delay = await configGet(c, 'repl-diskless-sync-delay');
  const work = `${dir.replace(/\/+$/, '')}/.voodu-restore-${randomBytes(6).toString('hex')}`;
  const started = Date.now();
  let port;
  let following = false;
  try {
    await dockerOk(['exec', '-u', '0', c, 'mkdir', '-m', '0700', work], `${c}: cannot create ${work}`);
    await dockerOk(['cp', file, `${c}:${work}/seed.rdb`], `copying the snapshot into ${c}`, { timeoutMs: left(deadline) });
    port = await startSeed(c, work, deadline);
    const keys = keyCount(await seedInfo(c, port, 'keyspace'));

    // The replicas of the master resync from it right after; no need to wait 5 s for more of them.
    if (delay !== undefined && delay !== '0') await redisCli(c, ['CONFIG', 'SET', 'repl-diskless-sync-delay', '0']);
    await redisCli(c, ['REPLICAOF', '127.0.0.1', String(port)]);
    following = true;
    await until(`${c} did not finish loading the snapshot in time`, left(deadline), async () => {
      const r = await info(c, 'replication');
      if (r.master_link_status !== 'up' || r.master_sync_in_progress !== '0') return false;
      return (await info(c, 'persistence')).loading === '0';
    }).catch(async (err) => {
      throw new Error(`${err.message}${await whatHappenedTo(c, started)}`);
    });
    const loadedMs = Date.now() - started;
    await redisCli(c, ['REPLICAOF', 'NO', 'ONE']);
    following = false;
    return { keys, appendonly, loadedMs };
  } finally {
    // Never leave the master following a seed that is about to disappear: it would stay read-only.
    if (following) await redisCli(c, ['REPLICAOF', 'NO', 'ONE']).catch(() => undefined);
    if (port !== undefined) await redisCli(c, ['-p', String(port), 'SHUTDOWN', 'NOSAVE']).catch(() => undefined);
    await docker(['exec', '-u', '0', c, 'rm', '-rf', work]).catch(() => undefined);
    if (delay !== undefined && delay !== '0') await redisCli(c, ['CONFIG', 'SET', 'repl-diskless-sync-delay', delay]).catch(() => undefined);
  }
}

/**
 * Why a master stopped answering during a restore, for the error: whether its
 * container restarted since (a crash, an OOM kill, a roll) and its last lines.
 */
async function whatHappenedTo(c, since) {
  const r = await docker(['inspect', '--type', 'container', '--format', '{{.State.Status}} {{.State.StartedAt}} {{.RestartCount}} {{.State.OOMKilled}}', c]);
  if (r.code !== 0) return `\n  ${c}: no such container any more`;
  const [status, startedAt, restarts, oom] = r.stdout.trim().split(' ');
  const restarted = Date.parse(startedAt) > since;
  const logs = await docker(['logs', '--tail', '8', c]);
  const tail = `${logs.stdout}${logs.stderr}`.trim().split('\n').filter(Boolean).map((l) => `    ${l}`).join('\n');
  return `\n  ${c}: ${status}${restarted ? `, restarted at ${startedAt} during the restore` : ''} (restart count ${restarts}${oom === 'true' ? ', OOM-killed' : ''}); its last lines:\n${tail}`;
}

const seedInfo = async (c, port, section) => parseInfo(await redisCli(c, ['-p', String(port), 'INFO', section]));

/** How long the seed may take to load its snapshot before it counts as not started. */
const SEED_START_MS = 90_000;

/** Starts the seed on a free loopback port of the container; answers the port once its dataset is loaded. */
async function startSeed(c, work, deadline) {
  let lastWhy = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = randomInt(20_000, 30_000);
    await dockerOk(
      [
        'exec', '-d', '-u', '0', c,
        'redis-server', CONF_PATH,
        '--port', String(port), '--bind', '127.0.0.1', '--dir', work, '--dbfilename', 'seed.rdb',
        '--appendonly', 'no', '--save', '', '--repl-diskless-sync-delay', '0',
        '--logfile', `${work}/seed.log`, '--daemonize', 'no',
      ],
      `${c}: cannot start the seed redis`,
    );
    try {
      // A busy host may take a minute to load a 20 MB snapshot; a port clash shows within seconds either way.
      await until('the seed redis did not come up', Math.min(left(deadline), SEED_START_MS), async () => (await seedInfo(c, port, 'persistence')).loading === '0');
      return port;
    } catch (err) {
      const log = await docker(['exec', '-u', '0', c, 'tail', '-n', '5', `${work}/seed.log`]);
      lastWhy = (log.code === 0 ? log.stdout.trim().split('\n').map((l) => l.replace(/^\d+:[A-Z] [^*#]*[*#] /, '')).join(' | ') : '') || err.message;
      if (!/Address already in use/.test(lastWhy)) break;
    }
  }
  throw new Error(`${c}: the seed redis holding the snapshot did not start: ${lastWhy}`);
}

/**
 * After the master was restored: every other running pod re-synced from it
 * (link up, no sync under way, the master's new replication ID). Answers
 * one line per pod; pods that did not make it within the time are named,
 * not fatal — they keep syncing on their own.
 * @param {{ordinal: number, container: string, running: boolean}[]} pods
 */
export async function waitReplicas(master, pods, deadline) {
  const lines = [];
  for (const p of pods) {
    if (p.ordinal === master.ordinal) continue;
    if (!p.running) {
      lines.push(`${p.container}: not running (it full-syncs when it starts)`);
      continue;
    }
    try {
      const r = await until(`${p.container} has not re-synced yet`, left(deadline), async () => {
        // The master's ID is read each time: it may take a new one after this started (a busy host
        // finishes the load late), and a replica that synced to that one is in sync all the same.
        const [rep, now] = await Promise.all([info(p.container, 'replication'), info(master.container, 'replication')]);
        return rep.master_link_status === 'up' && rep.master_sync_in_progress === '0' && rep.master_replid === now.master_replid ? rep : false;
      });
      lines.push(`${p.container}: in sync (offset ${r.slave_repl_offset})`);
    } catch (err) {
      lines.push(`${p.container}: ${err.message}`);
    }
  }
  return lines;
}

/** With AOF the rewrite Redis starts after the load must finish; without, a snapshot is saved. */
export async function persistRestored(master, appendonly, deadline) {
  const c = master.container;
  if (!appendonly) {
    await redisCli(c, ['BGSAVE', 'SCHEDULE']);
  }
  const p = await until(`${c} did not finish writing the restored data to disk`, left(deadline), async () => {
    const r = await info(c, 'persistence');
    const busy = appendonly ? r.aof_rewrite_in_progress !== '0' || r.aof_rewrite_scheduled !== '0' : r.rdb_bgsave_in_progress !== '0';
    return busy ? false : r;
  });
  const status = appendonly ? p.aof_last_bgrewrite_status : p.rdb_last_bgsave_status;
  if (status !== 'ok') throw new Error(`${c}: writing the restored data to disk failed (${appendonly ? 'AOF rewrite' : 'BGSAVE'} status ${status}); see voodu logs`);
  return appendonly ? 'AOF rewritten from the restored data' : 'dump.rdb saved from the restored data';
}
