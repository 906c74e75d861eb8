/**
 * `POST /restart`, `POST /rollback` and per-ordinal rebootstrap for
 * statefulsets. Like the deployment's, they write what should happen
 * (pods to restart, the spec to return to) and let the serialized reconcile
 * do it — so they never race it, and survive a controller restart.
 */
import { ConflictError, NotFoundError, formatRef, keys, type Manifest, type ResourceRef } from '../../kernel/index.js';
import { pickRollbackTarget } from '../../lib/rollback-target.js';
import type { Reconciler } from '../reconciler/contract.js';
import type { Runtime } from '../runtime/contract.js';
import type { Store } from '../store/contract.js';
import type { ReleaseRecord, WorkloadOps, WorkloadService } from '../workload/contract.js';
import type { RebootstrapReport } from './contract.js';

export interface OpsDeps {
  store: Store;
  runtime: Runtime;
  workload: WorkloadService;
  reconciler: () => Reconciler | undefined;
}

async function load(store: Store, ref: ResourceRef) {
  const kv = await store.get(keys.desired(ref));
  if (!kv) throw new NotFoundError(`${formatRef(ref)} not found`);
  return { kv, manifest: JSON.parse(kv.value) as Manifest };
}

async function trigger(d: OpsDeps, ref: ResourceRef, wait: boolean, manifestValue: string): Promise<void> {
  const reconciler = d.reconciler();
  if (!reconciler) await d.store.put(keys.desired(ref), manifestValue);
  else if (wait) await reconciler.reconcileNow(ref);
  else reconciler.enqueue(ref, 'manual');
}

export function statefulsetOps(d: OpsDeps): WorkloadOps {
  return {
    async restart(ref, { wait }) {
      const { kv } = await load(d.store, ref);
      const unfroze = await d.workload.frozen.clear(ref);
      const live = await d.workload.list({ kind: 'statefulset', scope: ref.scope, name: ref.name });
      if (!live.length) throw new ConflictError(`${formatRef(ref)} has no live pods to restart`);
      await d.workload.status.patch(ref, { restart_pending: live.map((r) => r.replicaId) });
      await trigger(d, ref, wait, kv.value);
      return { scope: ref.scope, name: ref.name, kind: 'statefulset', unfroze, replicas: live.length };
    },

    async rollback(ref, { releaseId, wait }) {
      const { manifest } = await load(d.store, ref);
      const status = await d.workload.status.read(ref);
      const target = pickRollbackTarget((status.releases ?? []) as ReleaseRecord[], status.spec_hash ?? '', releaseId);
      const id = d.workload.newReleaseId();
      const now = new Date().toISOString();
      // The record first: the reconcile the new spec triggers finds it `running` and finishes it.
      await d.workload.appendRelease(ref, {
        id,
        rolled_back_from: target.id,
        spec_hash: target.spec_hash,
        ...(target.image ? { image: target.image } : {}),
        status: 'running',
        started_at: now,
        spec_snapshot: target.spec_snapshot,
      });
      const next: Manifest = {
        kind: 'statefulset',
        scope: ref.scope,
        name: ref.name,
        spec: target.spec_snapshot,
        metadata: { ...(manifest.metadata?.created_at ? { created_at: manifest.metadata.created_at } : {}), updated_at: now },
      };
      await d.store.put(keys.desired(ref), JSON.stringify(next));
      if (wait) await d.reconciler()?.reconcileNow(ref);
      return { scope: ref.scope, name: ref.name, kind: 'statefulset', rolled_back_to: target.id, new_release: id };
    },
  };
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
