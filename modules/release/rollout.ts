/**
 * The rolling restart of a release, done by the
 * deployment module's own zero-downtime rollout: by the time this runs the
 * release record says its commands succeeded (`phase: rollout`), which is
 * what the deployment reconcile waits for before it rolls a `release {}`
 * deployment to a new spec, stamping every replica with the release id.
 * Here we only ask for that reconcile, report its progress, and check that
 * it left every replica on this release.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { isTransient, messageOf } from '../../lib/errors.js';
import { formatRef, keys, type Manifest, type ResourceRef } from '../../lib/identity.js';
import type { Reconciler } from '../reconciler/contract.js';
import type { Store } from '../store/contract.js';
import type { Workload, WorkloadService } from '../workload/contract.js';
import { OUTPUT_INDENT } from './contract.js';

export interface RolloutDeps {
  store: Store;
  workload: WorkloadService;
  reconciler: Reconciler;
  signal: AbortSignal;
  /** How often progress is looked at. */
  pollMs?: number;
}

const TRANSIENT_TRIES = 6;

/** Replicas the rollout will replace: every one not frozen (a frozen replica keeps its old config). */
export async function rolloutSize(workload: WorkloadService, w: Workload): Promise<number> {
  const ref = { kind: 'deployment' as const, scope: w.ref.scope, name: w.ref.name };
  const [live, frozen] = await Promise.all([workload.list(ref), workload.frozen.get(w.ref)]);
  // Replicas still being created by the apply's own reconcile count too: the rollout will meet them.
  return Math.max(live.length, w.replicas) - live.filter((r) => frozen.has(r.replicaId)).length;
}

export async function awaitRollout(d: RolloutDeps, w: Workload, hash: string, releaseId: string, line: (text: string) => void): Promise<number> {
  const ref: ResourceRef = w.ref;
  const listRef = { kind: 'deployment' as const, scope: ref.scope, name: ref.name };
  const before = new Set((await d.workload.list(listRef)).map((r) => r.name));
  const started = new Set<string>();
  const retired = new Set<string>();
  const report = async () => {
    const now = await d.workload.list(listRef).catch(() => undefined);
    if (!now) return;
    const names = new Set(now.map((r) => r.name));
    for (const r of now) {
      if (r.releaseId === releaseId && !before.has(r.name) && !started.has(r.name)) {
        started.add(r.name);
        line(`${OUTPUT_INDENT}${r.name} started`);
      }
    }
    for (const name of before) {
      if (!names.has(name) && !retired.has(name)) {
        retired.add(name);
        line(`${OUTPUT_INDENT}${name} retired`);
      }
    }
  };

  let done = false;
  const progress = (async () => {
    while (!done) {
      await sleep(d.pollMs ?? 1000);
      if (!done) await report();
    }
  })();
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await d.reconciler.reconcileNow(ref);
        break;
      } catch (err) {
        // The reconciler retries a transient failure itself; we wait for one of those attempts to land.
        if (!isTransient(err) || attempt >= TRANSIENT_TRIES || d.signal.aborted) throw err;
        line(`${OUTPUT_INDENT}waiting: ${messageOf(err)}`);
        await sleep(2000 * attempt, undefined, { signal: d.signal });
      }
    }
  } finally {
    done = true;
    await progress;
  }
  await report();

  const frozen = await d.workload.frozen.get(ref);
  const live = (await d.workload.list(listRef)).filter((r) => !frozen.has(r.replicaId));
  const off = live.filter((r) => r.hash !== hash || r.releaseId !== releaseId);
  if (off.length || !live.length) {
    const stored = await d.store.getJSON<Manifest>(keys.desired(ref));
    if (!stored) throw new Error(`${formatRef(ref)} was deleted during the release`);
    const nowHash = await d.workload.specHash(d.workload.defaults('deployment', ref, stored.spec ?? {}));
    if (nowHash !== hash) {
      throw new Error(`the manifest changed during the release (spec ${nowHash.slice(0, 8)} now, ${hash.slice(0, 8)} released); run the release again`);
    }
    throw new Error(
      live.length
        ? `${off.map((r) => r.name).join(', ')} did not move to release ${releaseId}; see \`voodu describe deployment ${ref.scope ? `${ref.scope}/` : ''}${ref.name}\``
        : 'no replica is running after the rollout',
    );
  }
  return started.size;
}
