/**
 * Pure decisions of a deployment reconcile: names, aliases, which replica
 * is stale, which survive a scale-down, which need repair.
 */
import { randomBytes } from 'node:crypto';
import { replicaContainerName } from '../../lib/resource-names.js';
import type { Replica, Workload } from '../workload/contract.js';

/** What a replica must match to be current: spec hash, env, image. */
export interface Target {
  hash: string;
  /** Env hashes that count as current (`workload.envTarget`): a no-restart config change adds one, it rolls nobody. */
  envHashes: ReadonlySet<string>;
  imageId: string;
}

/** `<appId>.<4 hex>`: a fresh id per create, never one already in use. */
export function newReplicaId(w: Workload, taken: Set<string>): { replicaId: string; name: string } {
  for (;;) {
    const replicaId = randomBytes(2).toString('hex');
    const name = replicaContainerName(w.appId, replicaId);
    if (!taken.has(name) && !taken.has(replicaId)) {
      taken.add(name);
      taken.add(replicaId);
      return { replicaId, name };
    }
  }
}

/** Every replica answers to `<name>.<scope>` and `<name>.<scope>.voodu` (docker round-robins). */
export function aliasesOf(w: Workload): string[] {
  const { scope, name } = w.ref;
  const base = scope ? `${name}.${scope}` : name;
  return [base, `${base}.voodu`].map((a) => a.toLowerCase());
}

export function isStale(r: Replica, t: Target, restartPending: ReadonlySet<string>): string | undefined {
  if (r.hash !== t.hash) return 'spec changed';
  if (!t.envHashes.has(r.envHash)) return 'env changed';
  if (t.imageId && r.imageId && r.imageId !== t.imageId) return 'image changed';
  if (restartPending.has(r.replicaId)) return 'restart requested';
  return undefined;
}

/** Up (or coming up under docker's restart policy): not ours to repair. */
export function isUp(r: Replica): boolean {
  return r.state === 'running' || r.state === 'restarting' || r.state === 'paused';
}

/**
 * Scale-down survivors, deterministic: current and running first, then
 * running stale ones, then current ones that failed their readiness check
 * (`unready`), then the newest. Freezes are not consulted. The `unready`
 * rank is what keeps a crash mid-rollout from costing an outage: the
 * surplus is then a successor that never proved itself beside the ready
 * replica it was replacing, and the successor goes, not the one serving.
 */
export function survivors(
  live: Replica[],
  want: number,
  t: Target,
  restartPending: ReadonlySet<string>,
  unready: ReadonlySet<string> = new Set(),
): { keep: Replica[]; drop: Replica[] } {
  const score = (r: Replica) => (unready.has(r.name) ? 2.5 : (isStale(r, t, restartPending) ? 2 : 0) + (isUp(r) ? 0 : 1));
  const ranked = [...live].sort(
    (a, b) => score(a) - score(b) || Date.parse(b.createdAt) - Date.parse(a.createdAt) || a.name.localeCompare(b.name),
  );
  return { keep: ranked.slice(0, want), drop: ranked.slice(want) };
}
