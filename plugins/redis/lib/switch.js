// Moving the master role between running pods, before the bucket records
// it — so no acknowledged write is lost to the rolling restart that
// follows:
//
// - without sentinels: writes on the old master are paused, the new one is
//   let catch up to the old one's replication offset, promoted, and every
//   other pod (the old master too) re-pointed at it. A write that was
//   waiting on the pause then fails with READONLY instead of landing on a
//   pod about to be resynced away;
// - with sentinels: they are asked to fail over (SENTINEL FAILOVER), with
//   every other replica's replica-priority at 0 for the duration, so they
//   pick the requested pod; the sentinels then agree with the result, and
//   their hook records it too.
import { info, parseInfo, parsePairs, redisCli } from './rediscli.js';
import { REDIS_PORT, SENTINEL_MASTER_NAME, podHost } from './ref.js';
import { sentinelCli, sentinelMasterOrdinal, sentinelReplicas } from './sentinels.js';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** How long writes may be held on the old master while the new one catches up. */
export const PAUSE_MS = 5000;

/** Long enough for two of the sentinels' 10 s INFO refreshes. */
const PRIORITY_SEEN_MS = 25_000;

/**
 * Polls `fn` every 200 ms until it answers truthy; throws `what` after `ms`.
 * @template T
 * @param {() => Promise<T>} fn
 */
export async function until(what, ms, fn) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what} (waited ${Math.round(ms / 1000)} s${last ? `; last error: ${last.message}` : ''})`);
    await sleep(200);
  }
}

/** The checks both ways share: the new master must be a running replica in sync. */
export function assertPromotable(target, ref) {
  if (!target?.running) throw new Error(`--replica ${target?.ordinal}: pod ${target?.container} of ${ref} is not running (${target?.error ?? 'stopped'}); start it (voodu start) or pick another ordinal`);
  const r = target.replication ?? {};
  if (r.role !== 'slave') throw new Error(`--replica ${target.ordinal}: pod ${target.container} answers role "${r.role ?? target.error}", not a replica; pick a replica's ordinal`);
  if (r.master_link_status !== 'up') {
    throw new Error(`--replica ${target.ordinal}: pod ${target.container} is not in sync with its master (master_link_status:${r.master_link_status ?? '?'}); wait until it is, or pick another ordinal`);
  }
}

/**
 * @param {{scope: string, name: string, ref: string}} res
 * @param {{ordinal: number, container: string}} from the live master
 * @param {{ordinal: number, container: string}} to the replica to promote
 * @param {{ordinal: number, container: string, running: boolean}[]} pods every pod
 */
export async function switchMaster(res, from, to, pods) {
  const toHost = podHost(res.scope, res.name, to.ordinal);
  await redisCli(from.container, ['CLIENT', 'PAUSE', String(PAUSE_MS), 'WRITE']);
  let promoted = false;
  try {
    const offset = Number(parseInfo(await redisCli(from.container, ['INFO', 'replication'])).master_repl_offset);
    await until(`pod ${to.container} did not catch up with ${from.container} (replication offset ${offset}) while writes were paused; nothing was changed, retry`, PAUSE_MS - 1000, async () => {
      const r = await info(to.container, 'replication');
      return Number(r.slave_repl_offset) >= offset;
    });
    await redisCli(to.container, ['REPLICAOF', 'NO', 'ONE']);
    promoted = true;
    for (const p of pods) {
      if (p.ordinal === to.ordinal || !p.running) continue;
      await redisCli(p.container, ['REPLICAOF', toHost, String(REDIS_PORT)]);
    }
  } finally {
    // The old master is a replica by now (or the switch failed): either way its clients must not stay held.
    await redisCli(from.container, ['CLIENT', 'UNPAUSE']).catch(() => undefined);
  }
  return promoted;
}

/**
 * Asks the sentinels to make `to` the master, and waits until it is and
 * they say so.
 * @param {string[]} sentinelPods running sentinel containers
 */
export async function sentinelSwitch(res, to, pods, sentinelPods, waitMs = 30_000) {
  // Only `to` may be chosen: every other replica at priority 0 for the duration.
  const saved = new Map();
  for (const p of pods) {
    if (!p.running || p.replication?.role !== 'slave') continue;
    saved.set(p.container, parsePairs(await redisCli(p.container, ['CONFIG', 'GET', 'replica-priority']))['replica-priority'] ?? '100');
  }
  try {
    for (const [container, prio] of saved) {
      const want = container === to.container ? (prio === '0' ? '100' : prio) : '0';
      if (want !== prio) await redisCli(container, ['CONFIG', 'SET', 'replica-priority', want]);
    }
    // A sentinel reads replica-priority from each replica's INFO, every
    // 10 s: asked before it has seen the new values it may pick another pod.
    await until(`sentinel ${sentinelPods[0]} did not see the replica priorities set for the failover`, PRIORITY_SEEN_MS, async () => {
      const up = (await sentinelReplicas(sentinelPods[0])).filter((r) => !/s_down|o_down|disconnected/.test(r.flags ?? ''));
      return up.filter((r) => r['slave-priority'] !== '0').length === 1;
    });
    const answer = await sentinelCli(sentinelPods[0], ['SENTINEL', 'FAILOVER', SENTINEL_MASTER_NAME]);
    if (!/^OK/.test(answer.trim())) throw new Error(`sentinel ${sentinelPods[0]} refused the failover: ${answer.trim()}`);
    await until(`the sentinels did not make ${to.container} master`, waitMs, async () => {
      const role = (await info(to.container, 'replication')).role;
      return role === 'master' && (await sentinelMasterOrdinal(sentinelPods[0])) === to.ordinal;
    });
  } finally {
    for (const [container, prio] of saved) {
      await redisCli(container, ['CONFIG', 'SET', 'replica-priority', prio]).catch(() => undefined);
    }
  }
}
