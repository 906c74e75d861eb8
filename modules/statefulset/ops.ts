/**
 * Per-ordinal rebootstrap for statefulsets (restart and rollback are the
 * workload service's standard ops).
 */
import { NotFoundError } from '../../lib/errors.js';
import { formatRef, keys, type ResourceRef } from '../../lib/identity.js';
import type { Reconciler } from '../reconciler/contract.js';
import type { Store } from '../store/contract.js';
import type { WorkloadService } from '../workload/contract.js';
import type { RebootstrapReport } from './contract.js';

export interface OpsDeps {
  store: Store;
  workload: WorkloadService;
  reconciler: () => Reconciler | undefined;
}

async function load(store: Store, ref: ResourceRef) {
  const kv = await store.get(keys.desired(ref));
  if (!kv) throw new NotFoundError(`${formatRef(ref)} not found`);
  return { kv };
}

/**
 * Pod N from scratch. Like restart, an intent the reconcile carries out, so
 * it never races a reconcile of the same statefulset (the pod's own destroy
 * event queues one): the reconcile removes the pod (and with prune its
 * volumes) before it recreates what is missing.
 */
export async function rebootstrap(d: OpsDeps, ref: ResourceRef, ordinal: number, prune: boolean): Promise<RebootstrapReport> {
  const { kv } = await load(d.store, ref);
  await d.workload.status.patch(ref, (cur) => ({
    rebootstrap_pending: [...((cur['rebootstrap_pending'] as Rebootstrap[] | undefined) ?? []).filter((r) => r.ordinal !== ordinal), { ordinal, prune }],
  }));
  const reconciler = d.reconciler();
  if (!reconciler) {
    await d.store.put(keys.desired(ref), kv.value);
    return { container_removed: '', volumes_removed: [], recreated: false };
  }
  await reconciler.reconcileNow(ref);
  const done = ((await d.workload.status.read(ref))['last_rebootstrap'] as RebootstrapReport & { ordinal: number } | undefined);
  const report = done?.ordinal === ordinal ? done : undefined;
  return { container_removed: report?.container_removed ?? '', volumes_removed: report?.volumes_removed ?? [], recreated: true };
}

export interface Rebootstrap {
  ordinal: number;
  prune: boolean;
}
