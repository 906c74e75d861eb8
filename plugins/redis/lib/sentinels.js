// The sentinels watching a redis, found and driven from the host: a
// sentinel resource is a statefulset of the same scope whose env names the
// redis it monitors (VOODU_MONITOR_SCOPE / VOODU_MONITOR_NAME, baked in by
// its expansion). Restore pauses their failover while the master is busy
// loading a snapshot; a manual failover asks them to do it, so they agree
// with the result instead of undoing it.
import { inspectContainer } from './sdk/docker.js';
import { RedisCliError, parsePairs, redisCli } from './rediscli.js';
import { SENTINEL_MASTER_NAME, SENTINEL_PORT, containerName, formatRef, ordinalFromHost } from './ref.js';
import { redisReplicas } from './topology.js';
import { monitorTarget } from './urls.js';

/**
 * While paused, a sentinel needs this long without a valid answer (or with
 * the master reporting itself a replica) before it calls the master down.
 * Long enough for any restore that fits a plugin call; short enough that
 * sentinels left paused by a killed run still fail over, only late.
 */
export const PAUSED_DOWN_AFTER_MS = 300_000;

/**
 * Sentinel resources of `scope` that monitor scope/name.
 * @param {{get: (route: string) => Promise<any>}} controller
 * @returns {Promise<{scope: string, name: string, replicas: number, pods: string[]}[]>}
 */
export async function findSentinels(controller, scope, name) {
  const data = await controller.get('/apply?kind=statefulset');
  const list = Array.isArray(data) ? data : [];
  return list
    .filter((m) => m && m.scope === scope && m.name !== name)
    .filter((m) => {
      const target = monitorTarget(m.spec);
      return target !== undefined && target.name === name && (target.scope || m.scope) === scope;
    })
    .map((m) => {
      const replicas = redisReplicas(m.spec);
      return { scope: m.scope, name: m.name, replicas, pods: Array.from({ length: replicas }, (_, i) => containerName(m.scope, m.name, i)) };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * One command to one sentinel pod. Sentinels normally take no password; if
 * one asks for it, the pod's REDIS_PASSWORD (its env_from of the monitored
 * redis) is tried.
 */
export async function sentinelCli(pod, args, opts = {}) {
  const argv = ['-p', String(SENTINEL_PORT), ...args];
  try {
    return await redisCli(pod, argv, { auth: false, ...opts });
  } catch (err) {
    if (err instanceof RedisCliError && /^NOAUTH/.test(err.reply ?? '')) return redisCli(pod, argv, { conf: '', ...opts });
    throw err;
  }
}

/** `SENTINEL MASTER voodu-master` of one pod as {field: value}. */
export async function sentinelMaster(pod) {
  return parsePairs(await sentinelCli(pod, ['SENTINEL', 'MASTER', SENTINEL_MASTER_NAME]));
}

/**
 * `SENTINEL REPLICAS voodu-master` of one pod: one {field: value} per
 * replica it knows. redis-cli prints the nested reply flat, so a new
 * replica starts at each `name` field.
 */
export async function sentinelReplicas(pod) {
  const lines = (await sentinelCli(pod, ['SENTINEL', 'REPLICAS', SENTINEL_MASTER_NAME])).split(/\r?\n/);
  const replicas = [];
  for (let i = 0; i + 1 < lines.length; i += 2) {
    if (lines[i] === 'name') replicas.push({});
    if (replicas.length) replicas[replicas.length - 1][lines[i]] = lines[i + 1];
  }
  return replicas;
}

/** The ordinal this sentinel names as master, or undefined. */
export async function sentinelMasterOrdinal(pod) {
  const out = await sentinelCli(pod, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', SENTINEL_MASTER_NAME]);
  return ordinalFromHost(out.split(/\r?\n/)[0]);
}

/** Running pods of the given sentinel resources, and the ones that are not. */
export async function sentinelPods(sentinels) {
  const running = [];
  const down = [];
  for (const s of sentinels) {
    for (const pod of s.pods) ((await inspectContainer(pod))?.running ? running : down).push(pod);
  }
  return { running, down, total: running.length + down.length };
}

/**
 * Stops every running sentinel of `sentinels` from failing the master over:
 * down-after-milliseconds goes to PAUSED_DOWN_AFTER_MS on each, the old
 * values are kept for `resume`. Refuses while a failover is under way, when
 * the sentinels name a master other than `masterOrdinal`, or when fewer
 * than a majority of the sentinel pods can be paused (the others could
 * then still agree on a failover).
 * @returns {Promise<{pods: string[], resume: () => Promise<string[]>}>} resume answers the pods it could not resume
 */
export async function pauseFailover(sentinels, masterOrdinal, ref) {
  const { running, down, total } = await sentinelPods(sentinels);
  const names = sentinels.map((s) => formatRef(s.scope, s.name)).join(', ');
  if (running.length <= total / 2) {
    throw new Error(
      `sentinels ${names} watch ${ref}, but only ${running.length} of ${total} sentinel pods are running (${down.join(', ')} not): failover cannot be paused safely; start them (voodu start) and retry`,
    );
  }
  const before = new Map();
  for (const pod of running) {
    const m = await sentinelMaster(pod);
    const flags = String(m.flags ?? '');
    if (/o_down|failover_in_progress|promoted/.test(flags)) {
      throw new Error(`sentinel ${pod} reports ${ref}'s master as "${flags}": a failover is under way; wait until it ends (voodu redis:info ${ref}) and retry`);
    }
    const named = ordinalFromHost(m.ip);
    if (named !== undefined && named !== masterOrdinal) {
      throw new Error(
        `sentinel ${pod} names ordinal ${named} as the master of ${ref}, but ordinal ${masterOrdinal} is master; wait for the failover hook to record it (REDIS_MASTER_ORDINAL) and retry`,
      );
    }
    before.set(pod, String(m['down-after-milliseconds'] ?? '5000'));
  }
  const paused = [];
  const resume = async () => {
    const failed = [];
    for (const pod of paused) {
      try {
        await sentinelCli(pod, ['SENTINEL', 'SET', SENTINEL_MASTER_NAME, 'down-after-milliseconds', before.get(pod)]);
      } catch {
        failed.push(pod);
      }
    }
    return failed;
  };
  try {
    for (const pod of running) {
      await sentinelCli(pod, ['SENTINEL', 'SET', SENTINEL_MASTER_NAME, 'down-after-milliseconds', String(PAUSED_DOWN_AFTER_MS)]);
      paused.push(pod);
    }
  } catch (err) {
    await resume();
    throw err;
  }
  return { pods: paused, resume };
}
