/**
 * One run of a job (spec core.md §5.5 with decision 8): synchronous, from
 * the stored manifest. Env file with `${ref…}`/`${asset…}` resolved (the
 * workload service's env sync), env_from files, a fresh container
 * `<appId>.<4 hex>` with no aliases, no restart policy, no `-e`; waited
 * for, killed when `timeout` passes. The run is recorded `running` first,
 * updated in place, the history capped, then stopped run containers that
 * fell out of the history are removed.
 */
import { randomBytes } from 'node:crypto';
import { NotFoundError, appId, formatRef, keys, messageOf, type Logger, type Manifest, type ResourceRef } from '../../kernel/index.js';
import { parseDurationMs } from '../../lib/manifest/durations.js';
import type { JobSpec } from '../../lib/manifest/types.js';
import type { ContainerSpec, Runtime } from '../runtime/contract.js';
import type { Store } from '../store/contract.js';
import { LABELS, type WorkloadService } from '../workload/contract.js';
import type { JobRun, JobStatus } from './contract.js';
import { capHistory, lastRunOf, limitsOf, upsertRun } from './history.js';

export interface RunDeps {
  store: Store;
  runtime: Runtime;
  workload: WorkloadService;
  log: Logger;
}

/** Labels the platform owns; a plugin's `labels` cannot override them (core.md §1.5). */
const RESERVED = new Set(['createdby', ...Object.values(LABELS).filter((l) => l !== LABELS.role)]);

export async function runJob(deps: RunDeps, ref: ResourceRef): Promise<JobRun> {
  const { store, runtime, workload, log } = deps;
  const app = appId(ref.scope, ref.name);
  const manifest = await store.getJSON<Manifest<JobSpec>>(keys.desired(ref));
  if (!manifest) throw new NotFoundError(`job/${app} not found — apply it first`);
  const spec = (manifest.spec ?? {}) as JobSpec;
  const w = workload.defaults('job', ref, spec as Record<string, unknown>); // ValidationError: bad networking
  const limits = limitsOf(spec);
  const timeoutMs = spec.timeout ? parseDurationMs(spec.timeout) : undefined;

  const runId = await freeRunId(runtime, app);
  const container = `${app}.${runId}`;
  const run: JobRun = { run_id: runId, started_at: new Date().toISOString(), status: 'running', container };
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
    let timer: NodeJS.Timeout | undefined;
    const exit = await Promise.race([
      runtime.wait(container),
      ...(timeoutMs
        ? [
            new Promise<'timeout'>((resolve) => {
              timer = setTimeout(() => resolve('timeout'), timeoutMs);
            }),
          ]
        : []),
    ]).finally(() => clearTimeout(timer));
    if (exit === 'timeout') {
      timedOut = true;
      // Kill at once (a PID 1 that ignores SIGTERM would otherwise get 10 more seconds); keep it for its logs.
      await runtime.stop(container, { timeoutSec: 0 }).catch((err) => log.warn(`${container}: kill after timeout: ${messageOf(err)}`));
      run.exit_code = await runtime.wait(container).catch(() => -1);
      run.status = 'failed';
      run.error = `job/${app} run ${runId} timed out after ${spec.timeout}; killed`;
    } else {
      run.exit_code = exit;
      run.status = exit === 0 ? 'succeeded' : 'failed';
      if (exit !== 0) run.error = `job/${app} run ${runId} exited ${exit}`;
    }
  } catch (err) {
    run.status = 'failed';
    run.error = `job/${app} run ${runId}: ${messageOf(err)}`;
  }
  run.ended_at = new Date().toISOString();
  log.info(`${formatRef(ref)} run ${runId} ${run.status}${run.exit_code !== undefined ? ` (exit ${run.exit_code})` : ''}${timedOut ? ' after timeout' : ''}`);

  // Deleted while it ran: the delete cleared the status and removed the containers; leave both so.
  if (!(await store.get(keys.desired(ref)))) return run;
  const status = await workload.status.patch(w.ref, (cur) => {
    const history = capHistory(upsertRun(((cur as JobStatus).history ?? []) as JobRun[], run), limits);
    return { history, last_run: lastRunOf(history) };
  });
  await gc(deps, ref, ((status as JobStatus).history ?? []).map((r) => r.run_id));
  return run;
}

/** Removes stopped run containers whose run is no longer in the history. */
export async function gc(deps: RunDeps, ref: ResourceRef, keep: string[]): Promise<void> {
  const kept = new Set(keep);
  for (const c of await deps.workload.list({ ...ref, kind: 'job' })) {
    if (c.state === 'running' || c.state === 'restarting' || kept.has(c.replicaId)) continue;
    await deps.runtime.remove(c.id, { force: true }).catch((err) => deps.log.warn(`${c.name}: gc: ${messageOf(err)}`));
  }
}

/** A run id whose container name is free (4 hex: a clash with a kept run is possible, if rare). */
async function freeRunId(runtime: Runtime, app: string): Promise<string> {
  for (let i = 0; i < 16; i++) {
    const id = randomBytes(2).toString('hex');
    if (!(await runtime.inspect(`${app}.${id}`))) return id;
  }
  throw new Error(`job/${app}: no free run id after 16 tries; remove old run containers`);
}
