// redis:failover <scope>/<name> --replica N [--no-restart]: ordinal N
// becomes the master; REDIS_MASTER_ORDINAL records it and every linked
// consumer's URLs follow, each in the shape it was linked with.
//
// --no-restart is the "roles already moved" path: the sentinels' failover
// hook calls it after they promoted a pod (and an operator may after moving
// roles by hand). It only records the new master and refreshes consumers;
// asked again for the master it already has (the hook fires at the start
// and the end of a failover), it answers that nothing changed.
//
// Without --no-restart the role is moved on the running pods first (see
// switch.js), then recorded, and the redis pods roll to start with it.
import { assertNoProblems, parseFlags } from '../sdk/flags.js';
import { liveMaster } from '../pods.js';
import { refreshConsumers } from '../refresh.js';
import { expectPositionals, loadRedis, scopedRef } from '../resource.js';
import { findSentinels, sentinelPods } from '../sentinels.js';
import { assertPromotable, sentinelSwitch, switchMaster } from '../switch.js';
import { redisMasterOrdinal, redisReplicas } from '../topology.js';
import { monitorTarget } from '../urls.js';

const USAGE = 'voodu redis:failover <scope>/<name> --replica N [--no-restart]';

export const help = `Usage: ${USAGE}

Makes ordinal N the master. The running pods switch first, so no
acknowledged write is lost:
  - with sentinels watching, they are asked to fail over to pod N;
  - without, writes pause on the old master (at most 5 s) until pod N has
    caught up, N is promoted and the other pods follow it; a write caught
    in the pause fails with READONLY rather than being lost.
Then REDIS_MASTER_ORDINAL=N is recorded, every linked consumer gets its
new URL (and restarts), and the redis pods roll to start with the new
master (not with sentinels: their failover already set the roles).

--no-restart  record N and refresh the consumers only: the roles already
              moved (the sentinels' hook calls this after a failover).

Examples:
  voodu redis:failover prod/cache --replica 1
  voodu redis:failover prod/cache --replica=0
`;

export async function run(args, ctx) {
  const p = parseFlags(args, { int: ['--replica'], bool: ['--no-restart'] });
  assertNoProblems(p, USAGE);
  expectPositionals(p.positional, 1, USAGE);
  const res = scopedRef(p.positional[0], '<scope>/<name>');
  const target = p.flags['--replica'];
  if (target === undefined) throw new Error(`--replica: required; give the ordinal to promote, e.g. ${USAGE.replace('N', '1')}`);
  const noRestart = p.flags['--no-restart'] === true;

  const redis = await loadRedis(ctx, res.scope, res.name);
  const watched = monitorTarget(redis.spec);
  if (watched) throw new Error(`${res.ref}: is a sentinel resource; fail over the redis it watches: voodu redis:failover ${watched.scope || res.scope}/${watched.name} --replica ${target}`);
  const replicas = redisReplicas(redis.spec);
  if (replicas <= 1) throw new Error(`${res.ref} has replicas = ${replicas}; a failover needs a replica to promote — set replicas = 3 in its redis block and apply first`);
  if (target >= replicas) throw new Error(`--replica ${target}: out of range for ${res.ref} (replicas = ${replicas}: ordinals 0..${replicas - 1})`);
  const current = redisMasterOrdinal(redis.config);

  if (noRestart) {
    if (target === current) return { message: `redis ${res.ref}: master is already ordinal ${target} (REDIS_MASTER_ORDINAL); nothing to change`, actions: [] };
    return record(ctx, res, redis, current, target, { restart: false, how: '--no-restart: recorded only; the pods were not touched' });
  }

  if (target === current) {
    const others = Array.from({ length: replicas }, (_, i) => i).filter((i) => i !== current);
    throw new Error(`--replica ${target}: ${res.ref}'s master is already ordinal ${current}; pick another ordinal (${others.join(', ')})`);
  }
  const live = await liveMaster(res.scope, res.name, replicas, current);
  if (live.ordinal === target) {
    // The role moved already (by hand, or a hook that could not reach us): just catch the bucket up.
    return record(ctx, res, redis, current, target, { restart: false, how: `pod ${target} already was master; recorded it` });
  }
  const to = live.pods[target];
  assertPromotable(to, res.ref);

  const sentinels = await findSentinels(ctx.controller, res.scope, res.name);
  if (sentinels.length) {
    const pods = await sentinelPods(sentinels);
    if (pods.running.length <= pods.total / 2) {
      throw new Error(`sentinels of ${res.ref}: only ${pods.running.length} of ${pods.total} pods are running, too few to fail over; start them (voodu start) and retry`);
    }
    await sentinelSwitch(res, to, live.pods, pods.running);
    return record(ctx, res, redis, current, target, { restart: false, how: `the sentinels promoted pod ${target}` });
  }
  await switchMaster(res, live, to, live.pods);
  return record(ctx, res, redis, current, target, { restart: true, how: `pod ${target} promoted, the others follow it; the redis pods roll to start with it` });
}

async function record(ctx, res, redis, from, to, { restart, how }) {
  const refreshed = await refreshConsumers(ctx, { scope: res.scope, name: res.name, ...redis, masterOrdinal: to });
  const actions = [
    { type: 'config_set', scope: res.scope, name: res.name, kv: { REDIS_MASTER_ORDINAL: String(to) }, ...(restart ? {} : { skip_restart: true }) },
    ...refreshed.actions,
  ];
  const n = refreshed.consumers.length;
  return {
    message: `redis ${res.ref}: master ordinal ${from} → ${to} (${how}).${n ? ` Refreshed ${n} linked consumer URL(s): ${refreshed.consumers.join(', ')}.` : ''}`,
    actions,
  };
}
