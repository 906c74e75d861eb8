/**
 * CPU of a deployment's running replicas, read concurrently. One runtime
 * `stats` call is a meaningful sample on its own: the engine waits for a
 * second reading (about a second) and fills `precpu_stats`, so the CPU%
 * is a delta over that second — no previous sample is kept here.
 */
import { type Logger } from '../../kernel/index.js';
import { messageOf } from '../../lib/errors.js';
import { type ResourceRef } from '../../lib/identity.js';
import type { Runtime } from '../runtime/contract.js';
import type { WorkloadService } from '../workload/contract.js';

export interface PodSample {
  name: string;
  cpuPercent: number;
}

export async function sampleReplicas(
  deps: { workload: WorkloadService; runtime: Runtime; log: Logger },
  ref: ResourceRef,
): Promise<PodSample[]> {
  const replicas = (await deps.workload.list({ kind: 'deployment', scope: ref.scope, name: ref.name })).filter((r) => r.state === 'running');
  const read = await Promise.allSettled(replicas.map((r) => deps.runtime.stats(r.id)));
  const out: PodSample[] = [];
  read.forEach((res, i) => {
    const name = replicas[i]!.name;
    // A replica that went away between the listing and the read has no stats: it does not count.
    if (res.status === 'rejected') deps.log.debug(`${name}: no stats: ${messageOf(res.reason)}`);
    else if (Number.isFinite(res.value.cpuPercent)) out.push({ name, cpuPercent: res.value.cpuPercent });
  });
  return out;
}
