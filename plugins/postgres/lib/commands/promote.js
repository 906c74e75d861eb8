// pg:promote <scope>/<name> --replica N [--force] [--no-restart] (and
// pg:failover, the same command): standby N becomes the primary without
// losing a write the old primary acknowledged.
//
// Why this order:
//   - a lag check first (unless --force): N must stream from the primary
//     and replay up to the primary's WAL position within a few seconds;
//   - PG_PRIMARY_ORDINAL=N is stored BEFORE the old primary stops: the
//     controller recreates a stopped pod at once with the bucket's env, and
//     with the old value the old primary would come straight back as a
//     second primary. With N stored, it comes back as a standby whose data
//     has no standby.signal, which the entrypoint refuses to start (the
//     split-brain guard) — it stays down until it is rejoined;
//   - the fence is a fast shutdown of the old primary: its clients are cut
//     off, no write can be acknowledged after it, and its last WAL record is
//     the shutdown checkpoint, which pg_controldata then reads;
//   - N is promoted only once it has replayed past that checkpoint: every
//     write the old primary ever acknowledged is then on N (unless --force,
//     which promotes whatever N has). If N does not get there, nothing is
//     promoted and the old primary is brought back as the primary.
// Then consumers are repointed at once (their config_set goes straight to
// the controller, so they restart onto N without waiting for the rejoins;
// one the controller refuses comes back as an action), the old
// primary is rejoined as a standby of N (rejoin-core: pg_rewind, else a
// fresh base backup) and every other standby is recreated so it boots with
// primary_conninfo → N (a PG ≥ 12 standby follows N's new timeline by
// itself, recovery_target_timeline = latest); --no-restart leaves those pods alone.
import { consumerActions } from '../consumers.js';
import { PROVIDER_KEYS, expectPositionals, scopedRef } from '../ref.js';
import { rejoinPod, recreatePod } from '../rejoin-core.js';
import {
  containerState,
  controlData,
  dockerWords,
  inRecovery,
  parseLsn,
  podAddresses,
  realDeps,
  replayLsn,
  replicationRows,
  rowOf,
  seconds,
  waitStreaming,
} from '../replication.js';
import { loadCluster } from '../resource.js';
import { assertNoProblems, parseFlags } from '../sdk/flags.js';

const USAGE = 'voodu pg:promote <scope>/<name> --replica N [--force] [--no-restart]';

export const help = `Usage: ${USAGE}
       voodu pg:failover <scope>/<name> --replica N [--force] [--no-restart]

Makes standby N the primary, losing no write the old primary acknowledged:

  1. lag check on the primary: pod N must be streaming and replay up to the
     primary's WAL position (it gets ~5 s to catch up under a writing client);
  2. PG_PRIMARY_ORDINAL=N is recorded (a pod the controller restarts from
     now on follows N; none comes back as a second primary);
  3. the old primary is fenced: fast shutdown (docker stop -t 30), after which
     it acknowledges nothing; its final WAL position is read from its data;
  4. once pod N has replayed that position, SELECT pg_promote() on it, and
     it accepts writes (writes were unavailable from 3 to here);
  5. every linked consumer's DATABASE_URL (and DATABASE_READ_URL) is
     rewritten to point at pod N right away; the consumers restart;
  6. the old primary rejoins as a standby of N (pg_rewind, else a fresh base
     backup), and the other standbys are recreated to stream from N.

  --replica N    the standby to promote (also --replica=N, -r N)
  --force        skip the lag check and promote whatever pod N has replayed
                 (use when the primary is down: writes N had not received are lost)
  --no-restart   stop after step 5: the old primary stays down and the other
                 standbys keep their old upstream until you run
                 voodu pg:rejoin <scope>/<name> --replica <ordinal> for each

Examples:
  voodu pg:promote prod/db --replica 1
  voodu pg:failover prod/db --replica=2 --force
`;

/** How long pod N gets to catch up before the lag check refuses. */
export const LAG_WAIT_MS = 5_000;
/** How long pod N gets to replay the fenced primary's final checkpoint. */
export const FINAL_WAIT_MS = 15_000;

/**
 * @param {string[]} args
 * @param {{controller: any, controllerUrl?: string, command?: string, deps?: import('../replication.js').Deps}} ctx
 */
export async function run(args, ctx) {
  const verb = ctx.command === 'failover' ? 'failover' : 'promote';
  const usage = USAGE.replace('pg:promote', `pg:${verb}`);
  const p = parseFlags(args, { int: ['--replica'], bool: ['--force', '--no-restart'], alias: { '-r': '--replica' } });
  assertNoProblems(p, usage);
  expectPositionals(p.positional, 1, usage);
  const { scope, name } = scopedRef(p.positional[0], '<scope>/<name>');
  const target = p.flags['--replica'];
  if (target === undefined) throw new Error(`--replica: required — name the standby to make the primary, e.g. voodu pg:${verb} ${scope}/${name} --replica 1\nusage: ${usage}`);
  const cluster = await loadCluster(ctx, scope, name);
  return promote(ctx, cluster, { target: Number(target), force: p.flags['--force'] === true, noRestart: p.flags['--no-restart'] === true, verb }, ctx.deps ?? realDeps);
}

/**
 * @param {{controller: any, controllerUrl?: string}} ctx
 * @param {import('../resource.js').Cluster} cluster
 * @param {{target: number, force?: boolean, noRestart?: boolean, verb?: string}} opts
 * @param {import('../replication.js').Deps} deps
 */
export async function promote(ctx, cluster, opts, deps = realDeps) {
  const { target, force = false, noRestart = false, verb = 'promote' } = opts;
  const ref = cluster.ref;
  const say = (line) => deps.progress(`postgres ${ref}: ${line}`);
  const all = Array.from({ length: cluster.replicas }, (_, i) => i);

  if (cluster.replicas <= 1) {
    throw new Error(`postgres ${ref} has replicas = ${cluster.replicas}: there is no standby to promote — set replicas = 2 or more in its postgres block and \`voodu apply\` first`);
  }
  if (!Number.isInteger(target) || target < 0 || target >= cluster.replicas) {
    throw new Error(`--replica ${target}: out of range for postgres ${ref} (replicas = ${cluster.replicas}: ordinals 0..${cluster.replicas - 1})`);
  }
  const old = cluster.primaryOrdinal;
  if (target === old) {
    throw new Error(`--replica ${target}: pod ${target} is already the primary of postgres ${ref} (PG_PRIMARY_ORDINAL=${old}); pick a standby: ${all.filter((i) => i !== old).join(', ')}`);
  }
  // Before anything moves: consumers' URLs need the password (an error here changes nothing).
  const consumers = consumerActions(cluster, { primaryOrdinal: target });

  const targetC = cluster.container(target);
  const oldC = cluster.container(old);
  const t = await containerState(deps, targetC);
  if (!t.exists) throw new Error(`--replica ${target}: pod ${target} of postgres ${ref} has no container (${targetC}); \`voodu apply\` creates it — wait until it streams, then promote`);
  if (!t.running) throw new Error(`--replica ${target}: pod ${target} (${targetC}) is ${t.status}, not running; start it (\`voodu start ${ref}.${target}\`) and let it catch up, then promote`);
  if (!(await inRecovery(deps, cluster, target))) {
    throw new Error(
      `--replica ${target}: pod ${target} (${targetC}) is not in recovery — it already acts as a primary while PG_PRIMARY_ORDINAL=${old}. ` +
        `Stop the pod that should not be primary (\`voodu stop\`), then rejoin it (voodu pg:rejoin ${ref} --replica <ordinal>)`,
    );
  }

  const o = await containerState(deps, oldC);
  if (!o.running && !force) {
    throw new Error(
      `postgres ${ref}: the primary pod ${old} (${oldC}) is ${o.exists ? o.status : 'missing'}, so pod ${target}'s lag cannot be checked; ` +
        `start it and retry, or pass --force to promote pod ${target} with what it has replayed (writes it had not received are lost)`,
    );
  }
  if (!force) await lagCheck(deps, cluster, old, target);
  else say(`--force: no lag check`);

  // Recorded before the fence (see the top of this file).
  say(`recording PG_PRIMARY_ORDINAL=${target} first, so a pod the controller restarts follows pod ${target} and none comes back as a second primary`);
  await storePrimary(ctx, cluster, target);

  const fencedAt = deps.now();
  let finalLsn;
  let dataLoss = '';
  try {
    // Fenced even when it is not running: Docker's restart policy could bring it back with its old env.
    if (o.exists) {
      say(`fencing the old primary: ${o.running ? 'fast shutdown of' : 'keeping down'} pod ${old} (${oldC}); from now on it acknowledges no write`);
      await fence(deps, cluster, old);
    }
    if (o.running) {
      const cd = await controlData(deps, cluster, old).catch((err) => ({ state: '', checkpoint: '', error: err.message }));
      finalLsn = cd.state === 'shut down' ? cd.checkpoint : undefined;
      if (!finalLsn && !force) {
        throw new Error(`pod ${old} did not shut down cleanly (pg_controldata: ${cd.state || cd.error || 'unreadable'}), so its last acknowledged write is not known`);
      }
      if (finalLsn) {
        say(`waiting for pod ${target} to replay the old primary's final WAL position ${finalLsn}`);
        const caught = await waitReplay(deps, cluster, target, finalLsn, force ? LAG_WAIT_MS : FINAL_WAIT_MS);
        if (!caught.ok) {
          if (!force) throw new Error(`pod ${target} replayed up to ${caught.at ?? 'nothing'} but the old primary ended at ${finalLsn}`);
          dataLoss = ` (--force: pod ${target} had replayed up to ${caught.at ?? '?'} of ${finalLsn}; the rest is lost)`;
        }
      }
    }
  } catch (err) {
    // Whatever stopped us here, nothing was promoted: the old primary goes back.
    const why = err instanceof Error ? err.message : String(err);
    try {
      await rollBack(ctx, cluster, old, target, deps);
    } catch (back) {
      throw new Error(
        `postgres ${ref}: pod ${target} was NOT promoted — ${why}; putting pod ${old} back failed too: ${back instanceof Error ? back.message : String(back)}. ` +
          `Restore it by hand: \`voodu config set -s ${cluster.scope} -n ${cluster.name} ${PROVIDER_KEYS.primaryOrdinal}=${old}\`, then \`voodu restart ${ref}\``,
      );
    }
    const down = seconds(deps.now() - fencedAt);
    throw new Error(
      `postgres ${ref}: pod ${target} was NOT promoted — ${why}. Pod ${old} is the primary again (PG_PRIMARY_ORDINAL=${old}; writes were unavailable for ${down} s). ` +
        `Check that pod ${target} streams (voodu pg:info ${ref}; voodu pg:rejoin ${ref} --replica ${target}) and retry, or pass --force to promote what it has`,
    );
  }

  say(`promoting pod ${target} (${targetC}): SELECT pg_promote(true, 60)`);
  try {
    await deps.sql(cluster, target, 'SELECT pg_promote(true, 60);', { db: 'postgres', timeoutMs: 75_000, what: `pg_promote on ${targetC}` });
  } catch (err) {
    throw new Error(
      `postgres ${ref}: ${err instanceof Error ? err.message : String(err)}. The old primary pod ${old} is stopped and PG_PRIMARY_ORDINAL=${target} is recorded; ` +
        `retry \`voodu pg:${verb} ${ref} --replica ${target} --force\`, or bring pod ${old} back: \`voodu config set -s ${cluster.scope} -n ${cluster.name} ${PROVIDER_KEYS.primaryOrdinal}=${old}\``,
    );
  }
  say(`waiting for pod ${target} to leave recovery`);
  await waitPrimary(deps, cluster, target);
  const downMs = deps.now() - fencedAt;
  say(`pod ${target} is the primary and accepts writes (writes were unavailable for ${seconds(downMs)} s)`);

  // Consumers first: they can write again as soon as they restart with the new URL, not only once the
  // rejoins below are done. One the controller refuses now goes back as an action, to be applied at the end.
  const repointed = [];
  const pending = [];
  if (consumers.length) say(`repointing ${consumers.length} linked consumer(s) at pod ${target} (${cluster.host(target)}); they restart`);
  for (const a of consumers) {
    try {
      await ctx.controller.post(`/config?${new URLSearchParams({ scope: a.scope, name: a.name })}`, a.kv);
      repointed.push(`${a.scope}/${a.name}`);
    } catch (err) {
      say(`consumer ${a.scope}/${a.name} not repointed yet (${err instanceof Error ? err.message : String(err)}); it is retried when this command ends`);
      pending.push(a);
    }
  }

  const lines = [];
  if (noRestart) {
    const rest = all.filter((i) => i !== target);
    lines.push(
      `--no-restart: pod ${old} (the old primary) stays down and ${rest.length > 1 ? `standby pod(s) ${rest.filter((i) => i !== old).join(', ')} keep their old upstream` : 'no other pod was touched'}; ` +
        `rejoin each with ${rest.map((i) => `voodu pg:rejoin ${ref} --replica ${i}`).join('; ')}`,
    );
  } else {
    const next = { ...cluster, primaryOrdinal: target, standbys: () => all.filter((i) => i !== target) };
    say(`rejoining the old primary pod ${old} as a standby of pod ${target}`);
    try {
      const r = await rejoinPod(ctx, next, old, { primary: target }, deps);
      lines.push(`old primary: ${r.summary}`);
    } catch (err) {
      lines.push(`old primary pod ${old} did NOT rejoin: ${err instanceof Error ? err.message : String(err)}`);
    }
    for (const s of all.filter((i) => i !== target && i !== old)) lines.push(await follow(ctx, next, s, target, deps));
  }

  // The provider's ordinal is already stored; the action records it again (idempotent) in the answer's applied list.
  const actions = [
    { type: 'config_set', scope: cluster.scope, name: cluster.name, kv: { [PROVIDER_KEYS.primaryOrdinal]: String(target) }, skip_restart: true },
    ...pending,
  ];
  const linked = [...repointed, ...pending.map((a) => `${a.scope}/${a.name}`)];
  const message =
    `postgres ${ref}: pod ${target} promoted (was pod ${old}); writes were unavailable for ${seconds(downMs)} s${dataLoss}. ` +
    `${linked.length ? `${linked.length} linked consumer(s) now point at ${cluster.host(target)} and restart: ${linked.join(', ')}. ` : ''}` +
    lines.join('. ');
  return { message: message.replace(/\.\s*$/, '').concat('.'), actions };
}

/** PG_PRIMARY_ORDINAL=N in the provider's bucket now (no restart), so the pods the controller creates from here on follow N. */
async function storePrimary(ctx, cluster, ordinal) {
  const q = new URLSearchParams({ scope: cluster.scope, name: cluster.name, restart: 'false' });
  await ctx.controller.post(`/config?${q}`, { [PROVIDER_KEYS.primaryOrdinal]: String(ordinal) });
}

/**
 * Lag check on the old primary: pod `target` must stream, and replay up to
 * the primary's WAL position read at the start of each try (a writing
 * client moves it on; "lag 0" is N having caught up with a recent point).
 * @param {import('../replication.js').Deps} deps
 */
export async function lagCheck(deps, cluster, old, target, waitMs = LAG_WAIT_MS) {
  const ref = cluster.ref;
  deps.progress(`postgres ${ref}: lag check: is pod ${target} streaming from pod ${old} with nothing left to replay?`);
  const until = deps.now() + waitMs;
  const addresses = await podAddresses(deps, cluster.container(target));
  let last;
  for (;;) {
    const primaryLsn = await deps.sql(cluster, old, 'SELECT pg_current_wal_lsn();', { db: 'postgres', what: `pg_current_wal_lsn() on ${cluster.container(old)}` });
    const row = rowOf(await replicationRows(deps, cluster, old), cluster, target, addresses);
    if (row?.state === 'streaming') {
      const at = await replayLsn(deps, cluster, target);
      const want = parseLsn(primaryLsn);
      if (at !== undefined && want !== undefined && at >= want) {
        deps.progress(`postgres ${ref}: lag check: pod ${target} streams and has replayed ${primaryLsn} (lag 0 bytes)`);
        return;
      }
      last = `pod ${target} streams but is ${want !== undefined && at !== undefined ? String(want - at) : '?'} bytes behind (replayed ${at === undefined ? '?' : lsnText(at)} of ${primaryLsn})`;
    } else {
      last = row ? `pod ${target}'s walreceiver is ${row.state || 'in an unknown state'}, not streaming` : `pod ${target} is not streaming from pod ${old} (pg_stat_replication has no row for ${cluster.name}-${target})`;
    }
    if (deps.now() >= until) break;
    await deps.sleep(250);
  }
  throw new Error(
    `--replica ${target}: lag check failed for postgres ${ref}: ${last} after ${Math.round(waitMs / 1000)} s; nothing was changed. ` +
      `Wait for it to catch up (or rejoin it: voodu pg:rejoin ${ref} --replica ${target}) and retry, or pass --force to promote it anyway (writes it has not replayed are lost)`,
  );
}

/** BigInt LSN → `X/Y`. */
export const lsnText = (n) => `${(n >> 32n).toString(16).toUpperCase()}/${(n & 0xffffffffn).toString(16).toUpperCase()}`;

/**
 * Fast shutdown of pod `ordinal` (pg_ctl -m fast: clients cut off, a
 * shutdown checkpoint written, whatever stop signal the image declares),
 * then `docker stop -t 30` for the container. The pod's restart policy is
 * switched off first: a postmaster that exits by itself would otherwise be
 * restarted by Docker at once — with the env it was created with, in which
 * it is still the primary. (The controller recreates the pod later with
 * today's env and its own policy.)
 * @param {import('../replication.js').Deps} deps
 */
async function fence(deps, cluster, ordinal) {
  const c = cluster.container(ordinal);
  const noRestart = await deps.docker(['update', '--restart', 'no', c]);
  if (noRestart.code === 0 && (await containerState(deps, c)).running) {
    // The container ends with its postmaster, so this exec's own exit status means little; the control file decides.
    await deps.docker(['exec', '-u', 'postgres', c, 'pg_ctl', 'stop', '-D', cluster.pgdata, '-m', 'fast', '-w', '-t', '30'], { timeoutMs: 45_000 });
  }
  const r = await deps.docker(['stop', '-t', '30', c], { timeoutMs: 45_000 });
  if (r.code !== 0 && !/no such container/i.test(r.stderr)) throw new Error(`could not stop the old primary ${c}: ${dockerWords(r)}`);
}

/** Polls pod `ordinal`'s replay position until it reaches `lsn`. */
async function waitReplay(deps, cluster, ordinal, lsn, waitMs) {
  const want = parseLsn(lsn);
  const until = deps.now() + waitMs;
  let at;
  for (;;) {
    at = await replayLsn(deps, cluster, ordinal).catch(() => at);
    if (at !== undefined && want !== undefined && at >= want) return { ok: true, at: lsnText(at) };
    if (deps.now() >= until) return { ok: false, at: at === undefined ? undefined : lsnText(at) };
    await deps.sleep(200);
  }
}

/** Polls pg_is_in_recovery() on pod `ordinal` until it answers f (30 s). */
async function waitPrimary(deps, cluster, ordinal, waitMs = 30_000) {
  const until = deps.now() + waitMs;
  let last = '';
  for (;;) {
    try {
      if (!(await inRecovery(deps, cluster, ordinal))) return;
      last = 'still in recovery';
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (deps.now() >= until) {
      throw new Error(
        `postgres ${cluster.ref}: pod ${ordinal} did not leave recovery within ${Math.round(waitMs / 1000)} s after pg_promote (${last}); ` +
          `PG_PRIMARY_ORDINAL=${ordinal} is recorded and the old primary is stopped — check \`voodu logs\` of ${cluster.container(ordinal)}`,
      );
    }
    await deps.sleep(500);
  }
}

/** The old primary back as the primary: the bucket first, then the controller recreates its pod. */
async function rollBack(ctx, cluster, old, target, deps) {
  deps.progress(`postgres ${cluster.ref}: not promoting pod ${target}; putting pod ${old} back as the primary`);
  await storePrimary(ctx, cluster, old);
  await recreatePod(ctx, cluster, old, { deps });
}

/**
 * A standby that was not the old primary: recreated so it boots with
 * primary_conninfo → the new primary; if it does not stream from it, rejoined.
 */
async function follow(ctx, cluster, ordinal, primary, deps) {
  deps.progress(`postgres ${cluster.ref}: restarting standby pod ${ordinal} so it streams from pod ${primary}`);
  try {
    await recreatePod(ctx, cluster, ordinal, { deps });
    await waitStreaming(deps, cluster, primary, ordinal, { timeoutMs: 45_000 });
    return `pod ${ordinal} streams from pod ${primary}`;
  } catch (err) {
    deps.progress(`postgres ${cluster.ref}: pod ${ordinal} does not follow pod ${primary} (${err instanceof Error ? err.message : String(err)}); rejoining it`);
  }
  try {
    return (await rejoinPod(ctx, cluster, ordinal, { primary }, deps)).summary;
  } catch (err) {
    return `pod ${ordinal} did NOT rejoin: ${err instanceof Error ? err.message : String(err)}`;
  }
}
