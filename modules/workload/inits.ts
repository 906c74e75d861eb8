/**
 * The init chain before one replica: each init in
 * declared order, each attempt a fresh container that must exit 0. Init
 * containers get no DNS aliases (unlike the reference), so nothing
 * resolves the service to a container that is only migrating.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type Logger } from '../../kernel/index.js';
import { VooduError, messageOf } from '../../lib/errors.js';
import { parseDurationMs } from '../../lib/manifest/durations.js';
import { initContainerName } from '../../lib/resource-names.js';
import type { InitSpec } from '../../lib/manifest/types.js';
import type { Assets } from '../assets/contract.js';
import type { ContainerSpec, Runtime } from '../runtime/contract.js';
import { VOODU_NETWORK } from '../runtime/contract.js';
import { type EnvSync, type InitFailure, type ReplicaPlan, type StatusStore, type Workload } from './contract.js';
import { identityEnv, resourcesOf, ulimitsOf } from './container.js';
import { defaultUlimits } from './host-limits.js';
import { interpolateText, type ResolvedFields } from './interpolate.js';
import { replicaLabels } from './labels.js';

export const INIT_FAILURES_KEPT = 10;

/** An init chain gave up; the message names the init and the replica, never env values. */
export class InitFailedError extends VooduError {
  override readonly code = 'init_failed';
  readonly failure: InitFailure;
  constructor(failure: InitFailure) {
    super(
      `init "${failure.init_name}" for replica ${failure.replica_id} failed after ${failure.attempts} attempt(s): ${failure.error}`,
    );
    this.failure = failure;
  }
}
const DEFAULT_TIMEOUT_MS = 10 * 60_000;

export interface InitDeps {
  runtime: Runtime;
  status: StatusStore;
  assets: Assets | undefined;
  log: Logger;
  /** Pause between attempts; 2 s as the reference. */
  retryPauseMs?: number;
}

export async function runInitChain(
  deps: InitDeps,
  w: Workload,
  fields: ResolvedFields,
  env: EnvSync,
  r: ReplicaPlan,
  signal?: AbortSignal,
): Promise<void> {
  if (!w.inits.length) return;
  for (const init of w.inits) {
    const attempts = 1 + (init.retries ?? 0);
    let last: { exitCode: number; error: string } = { exitCode: -1, error: '' };
    let ok = false;
    for (let attempt = 1; attempt <= attempts && !ok; attempt++) {
      if (attempt > 1) await sleep(deps.retryPauseMs ?? 2000, undefined, signal ? { signal } : {});
      signal?.throwIfAborted();
      last = await attemptOnce(deps, w, fields, env, r, init, signal);
      ok = last.exitCode === 0;
      if (!ok) deps.log.warn(`${w.appId}: init "${init.name}" for ${r.replicaId}: attempt ${attempt}/${attempts} failed: ${last.error}`);
    }
    if (!ok) {
      const failure: InitFailure = {
        replica_id: r.replicaId,
        init_name: init.name,
        exit_code: last.exitCode,
        error: last.error,
        attempts,
        recorded_at: new Date().toISOString(),
      };
      await deps.status.patch(w.ref, (cur) => ({
        init_failures: [...(Array.isArray(cur.init_failures) ? cur.init_failures : []), failure].slice(-INIT_FAILURES_KEPT),
      }));
      throw new InitFailedError(failure);
    }
  }
  await deps.status.patch(w.ref, (cur) =>
    Array.isArray(cur.init_failures) && cur.init_failures.some((f) => f.replica_id === r.replicaId)
      ? { init_failures: cur.init_failures.filter((f) => f.replica_id !== r.replicaId) }
      : {},
  );
}

async function attemptOnce(
  deps: InitDeps,
  w: Workload,
  fields: ResolvedFields,
  env: EnvSync,
  r: ReplicaPlan,
  init: InitSpec,
  signal?: AbortSignal,
): Promise<{ exitCode: number; error: string }> {
  const name = initContainerName(w.appId, init.name, r.replicaId);
  // A failed earlier attempt is left stopped for debugging; the next one takes its name.
  await deps.runtime.remove(name, { force: true });
  const timeoutMs = (init.timeout && parseDurationMs(init.timeout)) || DEFAULT_TIMEOUT_MS;
  const spec = await initSpec(deps, w, fields, env, r, init, name);
  try {
    await deps.runtime.run(spec);
  } catch (err) {
    return { exitCode: -1, error: `could not start: ${messageOf(err)}` };
  }
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    const outcome = await Promise.race([
      deps.runtime.wait(name).then((code) => ({ code })),
      new Promise<{ timeout: true }>((resolve) => {
        timer = setTimeout(() => resolve({ timeout: true }), timeoutMs);
        onAbort = () => resolve({ timeout: true });
        signal?.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
    if ('timeout' in outcome) {
      await deps.runtime.remove(name, { force: true });
      return { exitCode: -1, error: signal?.aborted ? 'cancelled' : `timed out after ${timeoutMs / 1000} s` };
    }
    if (outcome.code === 0) {
      await deps.runtime.remove(name, { force: true });
      return { exitCode: 0, error: '' };
    }
    return { exitCode: outcome.code, error: `exited ${outcome.code} (container ${name} kept for \`docker logs\`)` };
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}

async function initSpec(
  deps: InitDeps,
  w: Workload,
  fields: ResolvedFields,
  env: EnvSync,
  r: ReplicaPlan,
  init: InitSpec,
  name: string,
): Promise<ContainerSpec> {
  const bridge = w.networkMode === '';
  const image = init.image ? await interpolateText(deps.assets, init.image, w.ref.scope) : fields.image;
  const command = await Promise.all(init.command.map((c) => interpolateText(deps.assets, c, w.ref.scope)));
  return {
    name,
    image,
    command,
    labels: replicaLabels(w, env, r, 'init'),
    envFiles: env.files,
    env: identityEnv(w, r),
    networkMode: bridge ? 'bridge' : (w.networkMode as 'host' | 'none'),
    ...(bridge ? { networks: w.networks.filter((n) => n !== VOODU_NETWORK) } : {}),
    volumes: [...fields.volumes, ...(r.extraVolumes ?? [])],
    restart: 'no',
    ...resourcesOf(init.resources),
    logs: { maxSize: w.logs.max_size ?? '10m', maxFiles: w.logs.max_files ?? 3 },
    ulimits: ulimitsOf({ ...defaultUlimits(), ...(init.ulimits ?? w.ulimits) }),
    ...(bridge && w.extraHosts.length ? { extraHosts: w.extraHosts } : {}),
    ...(w.capAdd.length ? { capAdd: w.capAdd } : {}),
    tty: true,
  };
}
