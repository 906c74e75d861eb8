// redis:restore <scope>/<name> --from P --yes: the keys of an RDB snapshot
// (a file on the controller host) replace the redis's keys, in the master
// and through replication in every replica. With sentinels watching, their
// failover is paused for the duration (a master busy loading must not be
// failed over to a replica that still has the old data) and resumed after.
// How the snapshot gets in without stopping a pod: see seed.js.
import { assertNoProblems, parseFlags } from '../sdk/flags.js';
import { liveMaster } from '../pods.js';
import { assertRdb } from '../rdb.js';
import { expectPositionals, loadRedis, scopedRef } from '../resource.js';
import { persistRestored, restoreIntoMaster, waitReplicas } from '../seed.js';
import { findSentinels, pauseFailover } from '../sentinels.js';
import { redisMasterOrdinal, redisReplicas } from '../topology.js';
import { monitorTarget } from '../urls.js';

const USAGE = 'voodu redis:restore <scope>/<name> --from /abs/path.rdb --yes';
/**
 * The whole restore must end within its plugin.yml `timeout` (300 s), cleanup
 * included: a big snapshot, and replicas re-syncing it on a busy host, take
 * minutes; the sentinels' pause (PAUSED_DOWN_AFTER_MS) outlasts it.
 */
export const RESTORE_BUDGET_MS = 240_000;

export const help = `Usage: ${USAGE}

Replaces every key of the redis with the keys of an RDB snapshot (a file on
the controller host, e.g. written by voodu redis:backup). The master loads
it while it keeps running — it refuses writes (READONLY) for the few
seconds that takes — then every replica re-syncs the restored data, and the
data is written to disk (dump.rdb, or a fresh AOF with appendonly = true).

With sentinels watching, their failover is paused meanwhile and resumed
after. Refused without --yes: the current keys are lost.

Example:
  voodu redis:restore prod/cache --from /var/backups/cache.rdb --yes
`;

export async function run(args, ctx) {
  const p = parseFlags(args, { value: ['--from'], bool: ['--yes'], alias: { '-y': '--yes' }, examples: { '--from': '/var/backups/cache.rdb' } });
  assertNoProblems(p, USAGE);
  expectPositionals(p.positional, 1, USAGE);
  const from = p.flags['--from'];
  if (from === undefined) throw new Error(`--from: required; give the snapshot file on the controller host\nusage: ${USAGE}`);
  const size = await assertRdb(from, '--from');
  const res = scopedRef(p.positional[0], '<scope>/<name>');
  const redis = await loadRedis(ctx, res.scope, res.name);
  const watched = monitorTarget(redis.spec);
  if (watched) throw new Error(`${res.ref}: is a sentinel resource and holds no data; restore the redis it watches: voodu redis:restore ${watched.scope || res.scope}/${watched.name} --from ${from} --yes`);
  const replicas = redisReplicas(redis.spec);
  const recorded = redisMasterOrdinal(redis.config);
  const sentinels = await findSentinels(ctx.controller, res.scope, res.name);
  const watchers = sentinels.map((s) => `${s.scope}/${s.name}`).join(', ');

  if (p.flags['--yes'] !== true) {
    throw new Error(
      `--yes: required — restore replaces every key of ${res.ref} (master ordinal ${recorded}, ${replicas} pod${replicas === 1 ? '' : 's'}) with the ${size}-byte snapshot ${from}` +
        `${watchers ? `, pausing the failover of sentinels ${watchers} meanwhile` : ''}; the current keys are lost. To go ahead: voodu redis:restore ${res.ref} --from ${from} --yes`,
    );
  }

  const started = Date.now();
  const deadline = started + RESTORE_BUDGET_MS;
  const master = await liveMaster(res.scope, res.name, replicas, recorded);
  const pause = sentinels.length ? await pauseFailover(sentinels, master.ordinal, res.ref) : undefined;
  let loaded;
  let replicaLines = [];
  let persisted = '';
  let unresumed = [];
  try {
    loaded = await restoreIntoMaster(master, from, deadline);
    replicaLines = await waitReplicas(master, master.pods, deadline);
    persisted = await persistRestored(master, loaded.appendonly, deadline);
  } finally {
    if (pause) unresumed = await pause.resume();
  }
  const seconds = (Date.now() - started) / 1000;
  const lines = [
    `restored redis ${res.ref} from ${from} into ordinal-${master.ordinal} (${master.container}): ${loaded.keys} keys, ${size} bytes, loaded in ${(loaded.loadedMs / 1000).toFixed(2)} s, ${seconds.toFixed(2)} s in all`,
    `  ${persisted}`,
    ...replicaLines.map((l) => `  ${l}`),
  ];
  if (master.differs) lines.push(`  note: ordinal ${master.ordinal} is the live master while REDIS_MASTER_ORDINAL says ${recorded}`);
  if (pause) {
    lines.push(
      unresumed.length
        ? `  WARNING: failover is still paused on ${unresumed.join(', ')} (down-after-milliseconds raised); restart them (voodu restart) to reset it`
        : `  sentinel failover paused during the restore and resumed on ${pause.pods.join(', ')}`,
    );
  }
  return { message: lines.join('\n'), actions: [] };
}
