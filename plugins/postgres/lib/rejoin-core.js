// Make pod N a standby of the current primary again — what `pg:rejoin`
// does, and what `pg:promote` does for the old primary.
//
// The controller repairs a stopped pod at once (it recreates it with the
// bucket's env, and Docker's restart policy then restarts it whenever it
// exits), so "stop the container, rewind, start it" cannot rely on the pod
// staying down. What keeps it down is the entrypoint's split-brain guard: a
// pod that is not PG_PRIMARY_ORDINAL and whose data has no standby.signal
// exits before PostgreSQL starts. So:
//
//   1. the primary must answer, and the replication user gets the EXECUTE
//      grants pg_rewind needs (idempotent; the standbys replay them);
//   2. standby.signal is removed from pod N's data (a running standby does
//      not read it again), then the pod is stopped (-t 30, a clean
//      shutdown): every container started for it from now on exits at the
//      guard without touching the data;
//   3. pg_rewind in a throwaway container on the pod's volume, as the
//      postgres OS user, as the replication user (password in the docker
//      process's env, never in argv); "no rewind required" is success;
//   4. success: standby.signal back; failure: PGDATA is moved aside and
//      removed, so the pod's next boot takes a fresh base backup (PGDATA at
//      the volume root: the controller rebuilds the pod from an empty volume);
//   5. the pod is booted: its container is started again when it already
//      carries today's PG_PRIMARY_ORDINAL (the controller's repair made it
//      after the primary was recorded), else the controller recreates it
//      (DELETE /resource?…&ordinal=N) — a `docker start` of a container
//      made before a promote would boot with the old primary in its env.
//      Not waiting on the controller in the usual case matters: its repair
//      of the held-down pod waits for a readiness that only comes once the
//      pod can boot, and a rebootstrap queues behind that wait;
//   6. wait until the primary's pg_stat_replication shows the pod streaming.
import { createClient } from './sdk/controller.js';
import { sqlIdent } from './psql.js';
import { formatRef } from './ref.js';
import { applicationName, containerState, controlData, dataMount, dockerWords, onVolume, realDeps, seconds, volumeExists, waitStreaming } from './replication.js';

/**
 * The functions pg_rewind calls on its source (PostgreSQL ≥ 11 lets a
 * non-superuser run it with these; the replication role alone may not).
 * The expansion's init script grants them at initdb too.
 */
export const REWIND_FUNCTIONS = [
  'pg_catalog.pg_ls_dir(text, boolean, boolean)',
  'pg_catalog.pg_stat_file(text, boolean)',
  'pg_catalog.pg_read_binary_file(text)',
  'pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean)',
];

/** GRANT EXECUTE on the rewind functions to `role`: one transaction, safe to repeat. */
export function rewindGrantsSql(role) {
  return `BEGIN;\n${REWIND_FUNCTIONS.map((f) => `GRANT EXECUTE ON FUNCTION ${f} TO ${sqlIdent(role)};`).join('\n')}\nCOMMIT;\n`;
}

/** A libpq conninfo value in single quotes (backslash and quote escaped). */
const conninfoValue = (v) => `'${String(v).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/**
 * The pg_rewind argv (after the image) for pod `ordinal` with `primary` as source. No secret in it.
 * @param {import('./resource.js').Cluster} cluster
 */
export function rewindArgv(cluster, primary) {
  const source = `host=${cluster.host(primary)} port=${cluster.port} user=${conninfoValue(cluster.replicationUser)} dbname=postgres`;
  return ['pg_rewind', `--target-pgdata=${cluster.pgdata}`, `--source-server=${source}`, '--progress'];
}

/** The controller client for calls that wait on a reconcile (a pod recreated, a base backup started). */
function slowController(ctx) {
  return ctx.controllerUrl ? createClient(ctx.controllerUrl, { timeoutMs: 180_000 }) : ctx.controller;
}

/**
 * Asks the controller to recreate pod `ordinal` (with `prune`, from an
 * empty volume). A reconcile that outlives the client's wait is not a
 * failure: the streaming check after it is what decides.
 */
export async function recreatePod(ctx, cluster, ordinal, { prune = false, deps = realDeps } = {}) {
  const q = new URLSearchParams({ scope: cluster.scope, name: cluster.name, ordinal: String(ordinal), ...(prune ? { prune: 'true' } : {}) });
  try {
    await slowController(ctx).delete(`/resource?${q}`);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    if (/no answer within/.test(msg)) {
      deps.progress(`postgres ${cluster.ref}: the controller is still recreating pod ${ordinal} (${msg}); waiting for it to stream`);
      return;
    }
    throw new Error(`postgres ${cluster.ref}: the controller did not recreate pod ${ordinal}${prune ? ' from an empty volume' : ''}: ${msg}`);
  }
}

/**
 * Checks what a rejoin of pod `ordinal` needs before anything is touched.
 * @param {import('./resource.js').Cluster} cluster
 * @param {number} primary the ordinal the pod must follow
 */
export function assertRejoinable(cluster, ordinal, primary, flag = '--replica') {
  const ref = cluster.ref;
  if (!Number.isInteger(ordinal) || ordinal < 0 || ordinal >= cluster.replicas) {
    throw new Error(`${flag} ${ordinal}: postgres ${ref} has ${cluster.replicas} pod(s) (ordinals 0..${cluster.replicas - 1}); pick a standby`);
  }
  if (ordinal === primary) {
    const others = Array.from({ length: cluster.replicas }, (_, i) => i).filter((i) => i !== primary);
    throw new Error(
      `${flag} ${ordinal}: pod ${ordinal} is the primary of postgres ${ref} (PG_PRIMARY_ORDINAL=${primary}); only a standby can rejoin — ` +
        (others.length ? `pick one of ${others.join(', ')}, or make another pod the primary first (voodu pg:promote ${ref} --replica ${others[0]})` : 'the cluster has no standby (set replicas = 2 or more and apply)'),
    );
  }
  if (!cluster.replicationPassword) {
    throw new Error(
      `postgres ${ref}: no POSTGRES_REPLICATION_PASSWORD in its config bucket, so pod ${ordinal} cannot authenticate to the primary as ${cluster.replicationUser} — ` +
        `has the resource been applied? (\`voodu apply\` generates it)`,
    );
  }
}

/**
 * Rejoins pod `ordinal` as a standby of `opts.primary` (default the cluster's).
 * @param {{controller: any, controllerUrl?: string}} ctx
 * @param {import('./resource.js').Cluster} cluster
 * @param {number} ordinal
 * @param {{primary?: number, streamTimeoutMs?: number, rebuildTimeoutMs?: number}} [opts]
 * @param {import('./replication.js').Deps} [deps]
 * @returns {Promise<{outcome: 'rewound' | 'no-rewind' | 'rebuilt', rewindError?: string, seconds: number, summary: string}>}
 */
export async function rejoinPod(ctx, cluster, ordinal, opts = {}, deps = realDeps) {
  const primary = opts.primary ?? cluster.primaryOrdinal;
  assertRejoinable(cluster, ordinal, primary);
  const ref = cluster.ref;
  const say = (line) => deps.progress(`postgres ${ref}: ${line}`);
  const container = cluster.container(ordinal);
  const { volume } = dataMount(cluster, ordinal);
  const started = deps.now();

  const state = await containerState(deps, container);
  if (!state.exists && !(await volumeExists(deps, volume))) {
    throw new Error(`postgres ${ref}: pod ${ordinal} has neither a container (${container}) nor a data volume (${volume}); \`voodu apply\` creates it, and a new pod copies the primary by itself`);
  }

  // 1. The source must answer before the pod is taken down; the grants let the replication user rewind.
  say(`rejoin pod ${ordinal}: granting ${cluster.replicationUser} the functions pg_rewind reads the primary (pod ${primary}) with`);
  try {
    await deps.sql(cluster, primary, rewindGrantsSql(cluster.replicationUser), { db: 'postgres', what: `GRANT on ${cluster.container(primary)}` });
  } catch (err) {
    throw new Error(
      `postgres ${ref}: pod ${ordinal} was not rejoined — the primary pod ${primary} (${cluster.container(primary)}) does not answer: ${err instanceof Error ? err.message : String(err)}; ` +
        `start it (\`voodu get pods -s ${cluster.scope} -n ${cluster.name}\`), or make a running standby the primary (voodu pg:promote ${ref} --replica N), then retry`,
    );
  }

  // 2. Hold the pod down: no standby.signal → the entrypoint refuses to start it, whoever starts the container.
  say(`rejoin pod ${ordinal}: stopping ${container} (docker stop -t 30); without standby.signal a restart of it stays down until the rewind is done`);
  const unsignal = await onVolume(deps, cluster, ordinal, ['rm', '-f', `${cluster.pgdata}/standby.signal`]);
  if (unsignal.code !== 0) throw new Error(`postgres ${ref}: pod ${ordinal}: could not remove standby.signal on ${volume}: ${dockerWords(unsignal)}`);
  await holdDown(deps, cluster, ordinal);

  // 3. pg_rewind against the primary.
  say(`rejoin pod ${ordinal}: pg_rewind from ${cluster.host(primary)}:${cluster.port} as ${cluster.replicationUser}`);
  const rewind = await runRewind(deps, cluster, ordinal, primary);
  let outcome;
  let rewindError;
  if (rewind.code === 0) {
    outcome = /no rewind required/i.test(`${rewind.stdout}\n${rewind.stderr}`) ? 'no-rewind' : 'rewound';
    say(`rejoin pod ${ordinal}: ${outcome === 'no-rewind' ? 'pg_rewind: no rewind required (it had not diverged)' : 'pg_rewind done'}; restoring standby.signal`);
    const signal = await onVolume(deps, cluster, ordinal, ['touch', `${cluster.pgdata}/standby.signal`]);
    if (signal.code !== 0) throw new Error(`postgres ${ref}: pod ${ordinal}: pg_rewind worked but standby.signal could not be written on ${volume}: ${dockerWords(signal)}; run \`voodu pg:rejoin ${ref} --replica ${ordinal}\` again`);
    await bootPod(ctx, cluster, ordinal, primary, deps);
  } else {
    rewindError = dockerWords(rewind);
    outcome = 'rebuilt';
    say(`rejoin pod ${ordinal}: pg_rewind failed (${rewindError}); rebuilding the pod — its next boot discards its data and takes a base backup of pod ${primary}`);
    await rebuildPod(ctx, cluster, ordinal, primary, deps);
  }

  // 5. Done when the primary sees it stream.
  say(`rejoin pod ${ordinal}: waiting for it to stream from pod ${primary}`);
  const timeoutMs = outcome === 'rebuilt' ? (opts.rebuildTimeoutMs ?? 300_000) : (opts.streamTimeoutMs ?? 120_000);
  try {
    await waitStreaming(deps, cluster, primary, ordinal, { timeoutMs });
  } catch (err) {
    throw new Error(
      `postgres ${ref}: ${err instanceof Error ? err.message : String(err)}` +
        `${rewindError ? ` (pg_rewind had failed: ${rewindError}; the pod was rebuilt)` : ''}; see \`voodu logs ${formatRef(cluster.scope, cluster.name)}\` and retry \`voodu pg:rejoin ${ref} --replica ${ordinal}\``,
    );
  }
  const took = deps.now() - started;
  const how = { 'no-rewind': 'pg_rewind: no rewind required', rewound: 'pg_rewind preserved local data', rebuilt: `pg_rewind failed, rebuilt from a fresh base backup` }[outcome];
  say(`rejoin pod ${ordinal}: streaming from pod ${primary} as ${applicationName(cluster, ordinal)} (${seconds(took)} s)`);
  return { outcome, ...(rewindError ? { rewindError } : {}), seconds: took / 1000, summary: `pod ${ordinal} streams from pod ${primary} (${how})` };
}

/** Control-file states of a data directory no server runs on. */
const DOWN_STATES = new Set(['shut down', 'shut down in recovery']);

/**
 * Stops pod `ordinal` and makes sure no PostgreSQL runs on its data: a
 * container started before standby.signal went is stopped; one started
 * after it exits at the guard (with a restart policy it may be caught
 * "running" between two of Docker's restarts — the control file, which a
 * starting server rewrites at once, tells the two apart).
 * @param {import('./replication.js').Deps} deps
 */
export async function holdDown(deps, cluster, ordinal, tries = 4) {
  const container = cluster.container(ordinal);
  for (let i = 0; i < tries; i++) {
    const st = await containerState(deps, container);
    // A container in Docker's restart loop is stopped too: that ends the loop.
    if (!st.running && st.status !== 'restarting') return;
    const r = await deps.docker(['stop', '-t', '30', container], { timeoutMs: 45_000 });
    if (r.code !== 0 && !/no such container/i.test(r.stderr)) throw new Error(`postgres ${cluster.ref}: docker stop ${container}: ${dockerWords(r)}`);
    await deps.sleep(500);
  }
  if (!(await containerState(deps, container)).running) return;
  const cd = await controlData(deps, cluster, ordinal);
  if (!DOWN_STATES.has(cd.state)) {
    throw new Error(`postgres ${cluster.ref}: pod ${ordinal} (${container}) keeps running PostgreSQL after ${tries} stops (pg_controldata: ${cd.state}); stop it with \`voodu stop\` and retry`);
  }
}

/** PG_PRIMARY_ORDINAL in a container's env (the entrypoint's default 0 when unset), or undefined when it cannot be read. */
async function envPrimary(deps, container) {
  const r = await deps.docker(['inspect', '--type', 'container', '--format', '{{range .Config.Env}}{{println .}}{{end}}', container]);
  if (r.code !== 0) return undefined;
  const line = r.stdout.split('\n').find((l) => l.startsWith('PG_PRIMARY_ORDINAL='));
  const v = line ? line.slice('PG_PRIMARY_ORDINAL='.length).trim() : '0';
  return /^\d+$/.test(v) ? Number(v) : 0;
}

/**
 * Boots pod `ordinal` after its data was prepared: restarts its container
 * when that already follows `primary` (the controller's repair made it with
 * today's env), else has the controller recreate it.
 */
export async function bootPod(ctx, cluster, ordinal, primary, deps = realDeps) {
  const container = cluster.container(ordinal);
  // The controller's repair may be between removing the stopped container and creating its successor.
  for (let i = 0; i < 20 && !(await containerState(deps, container)).exists; i++) await deps.sleep(500);
  if ((await containerState(deps, container)).exists && (await envPrimary(deps, container)) === primary) {
    deps.progress(`postgres ${cluster.ref}: starting ${container} again (its env already names pod ${primary} the primary)`);
    // A stop first ends Docker's restart loop of a pod that kept exiting at the guard; the start boots it once more.
    await deps.docker(['stop', '-t', '30', container], { timeoutMs: 45_000 });
    const r = await deps.docker(['start', container], { timeoutMs: 60_000 });
    if (r.code === 0) return 'restarted';
    if (/no such container/i.test(r.stderr)) {
      // The controller's repair removed it meanwhile; the container it creates boots from the prepared data.
      deps.progress(`postgres ${cluster.ref}: the controller is recreating ${container}; it boots from the prepared data`);
      return 'recreated';
    }
    deps.progress(`postgres ${cluster.ref}: docker start ${container}: ${dockerWords(r)}; asking the controller to recreate it`);
  } else {
    deps.progress(`postgres ${cluster.ref}: asking the controller to recreate pod ${ordinal} with today's config (PG_PRIMARY_ORDINAL=${primary})`);
  }
  await recreatePod(ctx, cluster, ordinal, { deps });
  return 'recreated';
}

/**
 * A pod whose data cannot be rewound, rebuilt: its PGDATA is moved aside
 * (one rename, so a boot that starts meanwhile sees either the old data —
 * and stops at the guard — or none) and removed; the next boot finds no
 * data and takes a base backup of the primary. When PGDATA is the volume's
 * root (nothing to rename), the controller rebuilds the pod from an empty volume.
 */
async function rebuildPod(ctx, cluster, ordinal, primary, deps) {
  const { mountPath } = dataMount(cluster, ordinal);
  const pgdata = cluster.pgdata.replace(/\/+$/, '');
  if (pgdata.startsWith(`${mountPath.replace(/\/+$/, '')}/`)) {
    const aside = `${pgdata}.voodu-discarded-${deps.now()}`;
    const r = await onVolume(deps, cluster, ordinal, ['sh', '-c', 'mv "$1" "$2" && rm -rf "$2"', 'sh', pgdata, aside], { timeoutMs: 600_000 });
    if (r.code === 0) return bootPod(ctx, cluster, ordinal, primary, deps);
    deps.progress(`postgres ${cluster.ref}: could not discard pod ${ordinal}'s data (${dockerWords(r)}); asking the controller to rebuild it from an empty volume`);
  }
  await recreatePod(ctx, cluster, ordinal, { prune: true, deps });
  return 'recreated';
}

/** pg_rewind in a throwaway container: with the pod's mounts when its container exists (config binds), else its volume. */
async function runRewind(deps, cluster, ordinal, primary) {
  const env = { PGPASSWORD: cluster.replicationPassword };
  const opts = { network: true, env, timeoutMs: 600_000 };
  const container = cluster.container(ordinal);
  if ((await containerState(deps, container)).exists) {
    const r = await onVolume(deps, cluster, ordinal, rewindArgv(cluster, primary), { ...opts, volumesFrom: container });
    // The controller may have replaced the container between the look and the run: then use the volume.
    if (!(r.code !== 0 && /no such container/i.test(r.stderr))) return r;
  }
  return onVolume(deps, cluster, ordinal, rewindArgv(cluster, primary), opts);
}
