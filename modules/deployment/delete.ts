/**
 * A deleted deployment: every container carrying its
 * identity (replicas, init leftovers) is stopped and removed, and its
 * status and freezes cleared. The env file and config buckets stay: they
 * belong to the operator until a prune.
 */
import { type Logger } from '../../kernel/index.js';
import { TransientError, messageOf } from '../../lib/errors.js';
import { type ResourceRef } from '../../lib/identity.js';
import type { WorkloadService } from '../workload/contract.js';

export async function deleteDeployment(workload: WorkloadService, log: Logger, ref: ResourceRef): Promise<void> {
  const all = await workload.listAll({ kind: 'deployment', scope: ref.scope, name: ref.name });
  const failed: string[] = [];
  await Promise.all(
    all.map((c) =>
      workload.retire(c.id).catch((err) => {
        failed.push(`${c.name}: ${messageOf(err)}`);
      }),
    ),
  );
  if (all.length) log.info(`${ref.scope}-${ref.name}: removed ${all.length - failed.length} container(s)`);
  // Left in place, the status would still say "running"; a failed removal is retried by the next event.
  if (failed.length) throw new TransientError(`could not remove ${failed.join('; ')}`);
  await workload.status.clear(ref);
  await workload.frozen.clear(ref);
}
