/** Creating deployment replicas: a fresh id and name, the init chain, then the container. */
import type { ContainerDetails, Runtime } from '../runtime/contract.js';
import type { EnvSync, ReplicaPlan, Workload, WorkloadService } from '../workload/contract.js';
import { aliasesOf, newReplicaId } from './plan.js';

export interface CreateContext {
  workload: WorkloadService;
  runtime: Runtime;
  w: Workload;
  env: EnvSync;
  hash: string;
  releaseId: string | undefined;
  /** Names and replica ids in use, so a new one never collides. */
  taken: Set<string>;
  signal: AbortSignal;
}

export async function createReplica(c: CreateContext): Promise<ContainerDetails> {
  c.signal.throwIfAborted();
  const { replicaId, name } = newReplicaId(c.w, c.taken);
  const plan: ReplicaPlan = {
    name,
    replicaId,
    aliases: aliasesOf(c.w),
    hash: c.hash,
    ...(c.releaseId ? { releaseId: c.releaseId } : {}),
  };
  await c.workload.runInits(c.w, c.env, plan, { signal: c.signal });
  c.signal.throwIfAborted();
  return c.runtime.run(await c.workload.containerSpec(c.w, c.env, plan));
}

/** `count` replicas, `concurrency` at a time; every create is attempted, the first error is reported. */
export async function createReplicas(
  c: CreateContext,
  count: number,
  concurrency: number,
): Promise<{ created: ContainerDetails[]; error?: unknown }> {
  const created: ContainerDetails[] = [];
  let error: unknown;
  let next = 0;
  const worker = async () => {
    while (next < count && !c.signal.aborted) {
      next++;
      try {
        created.push(await createReplica(c));
      } catch (err) {
        error ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, worker));
  return { created, ...(error !== undefined ? { error } : {}) };
}
