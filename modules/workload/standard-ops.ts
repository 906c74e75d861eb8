/**
 * `POST /restart` and `POST /rollback` for a workload kind (spec core.md
 * §4.5, §4.8). Neither touches containers: each records what should happen
 * — the replicas to replace (`status.restart_pending`), or a `running`
 * release and the snapshot spec re-put — and the kind's serialized
 * reconcile does it. So they never race that reconcile and survive a
 * controller restart.
 */
import { ConflictError, NotFoundError, formatRef, keys, type Manifest, type ResourceRef } from '../../kernel/index.js';
import type { Reconciler } from '../reconciler/contract.js';
import type { Store } from '../store/contract.js';
import type { ReleaseRecord, WorkloadKind, WorkloadOps, WorkloadService } from './contract.js';
import { pickRollbackTarget } from './rollback-target.js';

export interface StandardOpsDeps {
  store: Store;
  workload: WorkloadService;
  reconciler: () => Reconciler | undefined;
}

export function standardOps(kind: WorkloadKind, d: StandardOpsDeps): WorkloadOps {
  const load = async (ref: ResourceRef) => {
    const kv = await d.store.get(keys.desired(ref));
    if (!kv) throw new NotFoundError(`${formatRef(ref)} not found`);
    return { kv, manifest: JSON.parse(kv.value) as Manifest };
  };

  /** Runs the reconcile now (waiting for it) or queues it; without a reconciler, a re-put makes the watch fire. */
  const trigger = async (ref: ResourceRef, wait: boolean, manifestValue: string) => {
    const reconciler = d.reconciler();
    if (!reconciler) await d.store.put(keys.desired(ref), manifestValue);
    else if (wait) await reconciler.reconcileNow(ref);
    else reconciler.enqueue(ref, 'manual');
  };

  return {
    async restart(ref, { wait }) {
      const { kv } = await load(ref);
      const unfroze = await d.workload.frozen.clear(ref);
      const live = await d.workload.list({ kind, scope: ref.scope, name: ref.name });
      if (!live.length) throw new ConflictError(`${formatRef(ref)} has no live replicas to restart`);
      // A restart is also the way to retry a rollout that stopped on an unready replica.
      await d.workload.status.patch(ref, { restart_pending: live.map((r) => r.replicaId), rollout_blocked: undefined });
      await trigger(ref, wait, kv.value);
      return { scope: ref.scope, name: ref.name, kind, unfroze, replicas: live.length };
    },

    async rollback(ref, { releaseId, wait }) {
      const { manifest } = await load(ref);
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
        ...(target.build_id ? { build_id: target.build_id } : {}),
        status: 'running',
        started_at: now,
        spec_snapshot: target.spec_snapshot,
      });
      const next: Manifest = {
        kind,
        scope: ref.scope,
        name: ref.name,
        spec: target.spec_snapshot,
        metadata: { ...(manifest.metadata?.created_at ? { created_at: manifest.metadata.created_at } : {}), updated_at: now },
      };
      await d.store.put(keys.desired(ref), JSON.stringify(next));
      // The put already queued a reconcile through the watch; waiting joins it rather than adding one.
      if (wait) await d.reconciler()?.reconcileNow(ref);
      return { scope: ref.scope, name: ref.name, kind, rolled_back_to: target.id, new_release: id };
    },
  };
}
