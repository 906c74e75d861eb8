/**
 * `POST /restart` and `POST /rollback` for a workload kind (docs/api.md).
 * Neither touches containers: each records what should happen
 * — the replicas to replace (`status.restart_pending`), or a `running`
 * release and the snapshot spec re-put — and the kind's serialized
 * reconcile does it. So they never race that reconcile and survive a
 * controller restart.
 */
import { ConflictError, NotFoundError } from '../../lib/errors.js';
import { formatRef, keys, type Manifest, type ResourceRef } from '../../lib/identity.js';
import type { Reconciler } from '../reconciler/contract.js';
import type { Store } from '../store/contract.js';
import type { ReleaseRecord, WorkloadKind, WorkloadOps, WorkloadService, WorkloadStatus } from './contract.js';
import { RELEASE_HISTORY, newReleaseId } from './releases.js';
import { pickRollbackTarget } from './rollback-target.js';

export interface StandardOpsDeps {
  store: Store;
  workload: WorkloadService;
  reconciler: () => Reconciler | undefined;
  /** Whether an image is on this host: a rollback to a build `keep_releases` collected is refused up front. */
  imageExists(image: string): Promise<boolean>;
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
      const desiredKey = keys.desired(ref);
      const statusKey = keys.status(kind, ref.scope, ref.name);
      for (let attempt = 0; attempt < 5; attempt++) {
        const [dkv, skv] = await Promise.all([d.store.get(desiredKey), d.store.get(statusKey)]);
        if (!dkv) throw new NotFoundError(`${formatRef(ref)} not found`);
        const manifest = JSON.parse(dkv.value) as Manifest;
        const status = (skv ? JSON.parse(skv.value) : {}) as WorkloadStatus;
        const target = pickRollbackTarget((status.releases ?? []) as ReleaseRecord[], status.spec_hash ?? '', releaseId);
        const buildId = (target.spec_snapshot?.['build'] as { id?: unknown } | undefined)?.id;
        if (typeof buildId === 'string' && !target.spec_snapshot?.['image']) {
          const { image } = d.workload.defaults(kind, ref, target.spec_snapshot!);
          if (!(await d.imageExists(image))) {
            throw new ConflictError(
              `release ${target.id} runs build ${buildId}, whose image ${image} is no longer on this host (keep_releases collected it); roll back to a newer release, or apply that source again to rebuild it`,
            );
          }
        }
        const id = newReleaseId();
        const now = new Date().toISOString();
        const record: ReleaseRecord = {
          id,
          rolled_back_from: target.id,
          spec_hash: target.spec_hash,
          ...(target.image ? { image: target.image } : {}),
          ...(target.build_id ? { build_id: target.build_id } : {}),
          status: 'running',
          started_at: now,
          spec_snapshot: target.spec_snapshot,
        };
        const next: Manifest = {
          kind,
          scope: ref.scope,
          name: ref.name,
          spec: target.spec_snapshot,
          metadata: { ...(manifest.metadata?.created_at ? { created_at: manifest.metadata.created_at } : {}), updated_at: now },
        };
        // One transaction: no reconcile may see the `running` record without its spec, or the spec without it.
        const res = await d.store.txn({
          compare: [
            { key: desiredKey, target: 'mod', op: '==', value: dkv.modRevision },
            skv ? { key: statusKey, target: 'mod', op: '==', value: skv.modRevision } : { key: statusKey, target: 'create', op: '==', value: 0 },
          ],
          success: [
            { op: 'put', key: statusKey, value: JSON.stringify({ ...status, releases: [record, ...(status.releases ?? [])].slice(0, RELEASE_HISTORY) }) },
            { op: 'put', key: desiredKey, value: JSON.stringify(next) },
          ],
        });
        if (!res.succeeded) continue; // someone wrote in between: read again
        // The put queued a reconcile through the watch; waiting joins it rather than adding one.
        if (wait) await d.reconciler()?.reconcileNow(ref);
        return { scope: ref.scope, name: ref.name, kind, rolled_back_to: target.id, new_release: id };
      }
      throw new ConflictError(`${formatRef(ref)} kept changing during the rollback; retry it`);
    },
  };
}
