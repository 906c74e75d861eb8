/**
 * One run of a job-like workload: a
 * job, or a cronjob's job, synchronous. Env file with
 * `${ref…}`/`${asset…}` resolved (the workload service's env sync),
 * env_from files, a fresh container `<appId>.<4 hex>` labelled with the
 * kind, no aliases, no restart policy, no `-e`; waited for, killed when
 * `timeout` passes. The run is recorded `running` first, updated in place,
 * the history capped, then stopped run containers of the same kind that
 * fell out of the history are removed.
 */
import { randomBytes } from 'node:crypto';
import { type Logger } from '../../kernel/index.js';
import { messageOf } from '../../lib/errors.js';
import { appId, formatRef, keys, type ResourceRef } from '../../lib/identity.js';
import { parseDurationMs } from '../../lib/manifest/durations.js';
import { replicaContainerName } from '../../lib/resource-names.js';
import type { ContainerSpec, Runtime } from '../runtime/contract.js';
import type { Store } from '../store/contract.js';
import { LABELS, type WorkloadService } from '../workload/contract.js';
import type { JobKind, JobRun, JobRunRequest, JobStatus, RunHooks } from './contract.js';
import { capHistory, lastRunOf, limitsOf, upsertRun, type HistoryLimits } from './history.js';

export interface RunDeps {
  store: Store;
  runtime: Runtime;
  workload: WorkloadService;
  log: Logger;
  /** Run containers this controller waits on (`runJob` or an adoption): the other `running` ones are orphans. */
  watched: Set<string>;
}

/** Labels the platform owns; a plugin's `labels` cannot override them. */
const RESERVED = new Set(['createdby', ...Object.values(LABELS).filter((l) => l !== LABELS.role)]);

export async function runJob(deps: RunDeps, req: JobRunRequest, hooks: RunHooks = {}): Promise<JobRun> {
  const { store, runtime, workload, log } = deps;
  const { kind, spec } = req;
  const ref: ResourceRef = { kind, scope: req.ref.scope, name: req.ref.name };
  const app = appId(ref.scope, ref.name);
  const w = workload.defaults(kind, ref, spec as Record<string, unknown>); // ValidationError: bad networking
  const limits = limitsOf(req.limits ?? spec);
  const timeoutMs = spec.timeout ? parseDurationMs(spec.timeout) : undefined;

  const runId = await freeRunId(runtime, app, kind);
  const container = replicaContainerName(app, runId);
  const started = Date.now();
  const run: JobRun = {
    run_id: runId,
    started_at: new Date(started).toISOString(),
    status: 'running',
    container,
    ...(timeoutMs ? { deadline_at: new Date(started + timeoutMs).toISOString() } : {}),
  };
  deps.watched.add(container);
  await workload.status.patch(w.ref, (cur) => {
    const history = upsertRun(((cur as JobStatus).history ?? []) as JobRun[], run);
    return { image: w.image, history, last_run: lastRunOf(history) };
  });

  let timedOut = false;
  try {
    const env = await workload.syncEnv(w);
    const base = await workload.containerSpec(w, env, { name: container, replicaId: runId, aliases: [], hash: '' });
    const extra = Object.fromEntries(Object.entries(spec.labels ?? {}).filter(([k]) => !RESERVED.has(k)));
    const cs: ContainerSpec = { ...base, labels: { ...base.labels, ...extra }, env: {}, aliases: [], restart: 'no' };
    delete cs.ports;
    await runtime.run(cs);
    hooks.onStarted?.(container);
    const end = await waitOrKill(deps, container, timeoutMs || undefined);
    run.exit_code = end.exitCode;
    timedOut = end.timedOut;
    if (end.timedOut) {
      run.status = 'failed';
      run.error = `${kind}/${app} run ${runId} timed out after ${spec.timeout}; killed`;
    } else {
      run.status = end.exitCode === 0 ? 'succeeded' : 'failed';
      if (end.exitCode !== 0) run.error = `${kind}/${app} run ${runId} exited ${end.exitCode}`;
    }
  } catch (err) {
    run.status = 'failed';
    run.error = `${kind}/${app} run ${runId}: ${messageOf(err)}`;
  }
  run.ended_at = new Date().toISOString();
  log.info(`${formatRef(ref)} run ${runId} ${run.status}${run.exit_code !== undefined ? ` (exit ${run.exit_code})` : ''}${timedOut ? ' after timeout' : ''}`);
  // Watched until its end is recorded: a reconcile meanwhile must not take it for an orphan.
  await recordEnd(deps, kind, ref, limits, run).finally(() => deps.watched.delete(container));
  return run;
}

/**
 * Waits for the run's container to exit, killing it once `withinMs` has
 * passed (at once: a PID 1 that ignores SIGTERM would otherwise get 10 more
 * seconds). The container is kept, for its logs.
 */
async function waitOrKill(deps: RunDeps, container: string, withinMs: number | undefined): Promise<{ exitCode: number; timedOut: boolean }> {
  const { runtime, log } = deps;
  let timer: NodeJS.Timeout | undefined;
  const exit = await Promise.race([
    runtime.wait(container),
    ...(withinMs !== undefined ? [new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), Math.max(0, withinMs))))] : []),
  ]).finally(() => clearTimeout(timer));
  if (exit !== 'timeout') return { exitCode: exit, timedOut: false };
  await runtime.stop(container, { timeoutSec: 0 }).catch((err) => log.warn(`${container}: kill after timeout: ${messageOf(err)}`));
  return { exitCode: await runtime.wait(container).catch(() => -1), timedOut: true };
}

/** The ended run into the history (capped), then the run containers that fell out of it removed. */
async function recordEnd(deps: RunDeps, kind: JobKind, ref: ResourceRef, limits: HistoryLimits, run: JobRun): Promise<void> {
  const at = { ...ref, kind };
  // Deleted while it ran: the delete cleared the status and removed the containers; leave both so.
  if (!(await deps.store.get(keys.desired(at)))) return;
  const status = await deps.workload.status.patch(at, (cur) => {
    const history = capHistory(upsertRun(((cur as JobStatus).history ?? []) as JobRun[], run), limits);
    return { history, last_run: lastRunOf(history) };
  });
  await gc(deps, at, kind, ((status as JobStatus).history ?? []).map((r) => r.run_id));
}

/** See `Jobs.adopt`. */
export async function adoptRuns(deps: RunDeps, kind: JobKind, ref: ResourceRef, limits: HistoryLimits): Promise<void> {
  const status = await deps.workload.status.read({ ...ref, kind });
  const orphans = (((status as JobStatus | undefined)?.history ?? []) as JobRun[]).filter(
    (r) => r.status === 'running' && r.container && !deps.watched.has(r.container),
  );
  for (const run of orphans) {
    deps.watched.add(run.container!);
    void adoptOne(deps, kind, ref, limits, run).finally(() => deps.watched.delete(run.container!));
  }
}

/** See `Jobs.running`. */
export async function runningRuns(deps: RunDeps, kind: JobKind, ref: ResourceRef): Promise<number> {
  const status = await deps.workload.status.read({ ...ref, kind });
  const stored = (((status as JobStatus | undefined)?.history ?? []) as JobRun[]).filter((r) => r.status === 'running' && r.container);
  // A `running` record can outlive its container (removed by hand, or exited while no controller ran): only a live one counts.
  const live = await Promise.all(stored.map(async (r) => (await deps.runtime.inspect(r.container!))?.running === true));
  return live.filter(Boolean).length;
}

async function adoptOne(deps: RunDeps, kind: JobKind, ref: ResourceRef, limits: HistoryLimits, orphan: JobRun): Promise<void> {
  const container = orphan.container!;
  const run: JobRun = { ...orphan };
  try {
    const found = await deps.runtime.inspect(container);
    if (!found) {
      run.status = 'failed';
      run.error = `run ${run.run_id}: its container is gone (the controller restarted while it ran)`;
    } else {
      const left = run.deadline_at ? Date.parse(run.deadline_at) - Date.now() : undefined;
      deps.log.info(`${formatRef(ref)} run ${run.run_id}: adopted after a restart${left !== undefined ? `; killed in ${Math.max(0, Math.ceil(left / 1000))} s unless it ends` : ''}`);
      const end = await waitOrKill(deps, container, left);
      run.exit_code = end.exitCode;
      if (end.timedOut) {
        run.status = 'failed';
        run.error = `${kind}/${appId(ref.scope, ref.name)} run ${run.run_id} timed out at ${run.deadline_at}; killed`;
      } else {
        run.status = end.exitCode === 0 ? 'succeeded' : 'failed';
        if (end.exitCode !== 0) run.error = `${kind}/${appId(ref.scope, ref.name)} run ${run.run_id} exited ${end.exitCode}`;
      }
    }
  } catch (err) {
    deps.log.warn(`${formatRef(ref)} run ${run.run_id}: adopting it: ${messageOf(err)}; trying again on the next reconcile`);
    return;
  }
  run.ended_at = new Date().toISOString();
  deps.log.info(`${formatRef(ref)} run ${run.run_id} ${run.status} (adopted)`);
  await recordEnd(deps, kind, ref, limits, run);
}

/** Removes stopped run containers whose run is no longer in the history. */
export async function gc(deps: RunDeps, ref: ResourceRef, kind: JobKind, keep: string[]): Promise<void> {
  const kept = new Set(keep);
  for (const c of await deps.workload.list({ ...ref, kind })) {
    if (c.state === 'running' || c.state === 'restarting' || kept.has(c.replicaId)) continue;
    await deps.runtime.remove(c.id, { force: true }).catch((err) => deps.log.warn(`${c.name}: gc: ${messageOf(err)}`));
  }
}

/** A run id whose container name is free (4 hex: a clash with a kept run is possible, if rare). */
async function freeRunId(runtime: Runtime, app: string, kind: JobKind): Promise<string> {
  for (let i = 0; i < 16; i++) {
    const id = randomBytes(2).toString('hex');
    if (!(await runtime.inspect(replicaContainerName(app, id)))) return id;
  }
  throw new Error(`${kind}/${app}: no free run id after 16 tries; remove old run containers`);
}
