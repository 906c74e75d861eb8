/**
 * `POST /restart` and `POST /rollback` for deployments (spec core.md §4.5,
 * §4.8). Neither touches containers itself: each writes what should happen
 * (the replicas to replace; the spec to return to) and lets the reconcile
 * do it, so the work survives a controller restart and never races the
 * reconcile of the same deployment.
 */
import { pickRollbackTarget } from '../../lib/rollback-target.js';
import {
  ConflictError,
  NotFoundError,
  appId,
  formatRef,
  keys,
  type Manifest,
  type ResourceRef,
} from '../../kernel/index.js';
import type { Reconciler } from '../reconciler/contract.js';
import type { Store } from '../store/contract.js';
import type { ReleaseRecord, RestartAnswer, RollbackAnswer, WorkloadOps, WorkloadService } from '../workload/contract.js';

export interface OpsDeps {
  store: Store;
  workload: WorkloadService;
  reconciler: () => Reconciler | undefined;
}

export function deploymentOps(d: OpsDeps): WorkloadOps {
  const load = async (ref: ResourceRef) => {
    const kv = await d.store.get(keys.desired(ref));
    if (!kv) throw new NotFoundError(`${formatRef(ref)} not found`);
    return { kv, manifest: JSON.parse(kv.value) as Manifest };
  };

  /** Runs the reconcile now (waiting for it) or queues it; without a reconciler, a re-put makes the watch fire. */
  const trigger = async (ref: ResourceRef, wait: boolean, manifestValue: string) => {
    const reconciler = d.reconciler();
    if (reconciler) {
      if (wait) await reconciler.reconcileNow(ref);
      else reconciler.enqueue(ref, 'manual');
    } else {
      await d.store.put(keys.desired(ref), manifestValue);
    }
  };

  return {
    async restart(ref, { wait }): Promise<RestartAnswer> {
      const { kv } = await load(ref);
      const unfroze = await d.workload.frozen.clear(ref);
      const live = await d.workload.list({ kind: 'deployment', scope: ref.scope, name: ref.name });
      if (!live.length) throw new ConflictError(`deployment/${appId(ref.scope, ref.name)} has no live replicas to restart`);
      // A restart is also the way to retry a rollout that stopped on an unready replica.
      await d.workload.status.patch(ref, { restart_pending: live.map((r) => r.replicaId), rollout_blocked: undefined });
      await trigger(ref, wait, kv.value);
      return { scope: ref.scope, name: ref.name, kind: 'deployment', unfroze, replicas: live.length };
    },

    async rollback(ref, { releaseId, wait }): Promise<RollbackAnswer> {
      const { manifest } = await load(ref);
      const status = await d.workload.status.read(ref);
      const releases = (status.releases ?? []) as ReleaseRecord[];
      const target = pickRollbackTarget(releases, status.spec_hash ?? '', releaseId);
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
        kind: 'deployment',
        scope: ref.scope,
        name: ref.name,
        spec: target.spec_snapshot,
        metadata: { ...(manifest.metadata?.created_at ? { created_at: manifest.metadata.created_at } : {}), updated_at: now },
      };
      const value = JSON.stringify(next);
      await d.store.put(keys.desired(ref), value);
      // The put already queued a reconcile through the watch; waiting joins it rather than adding one.
      if (wait) await d.reconciler()?.reconcileNow(ref);
      return { scope: ref.scope, name: ref.name, kind: 'deployment', rolled_back_to: target.id, new_release: id };
    },
  };
}
