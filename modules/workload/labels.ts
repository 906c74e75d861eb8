/** Identity labels and reading them back off a container. */
import type { ResourceRef } from '../../lib/identity.js';
import type { ContainerSummary } from '../runtime/contract.js';
import { LABELS, type EnvSync, type Replica, type ReplicaPlan, type Workload, type WorkloadKind } from './contract.js';

/** RFC 3339 UTC to the second, as Go's time.RFC3339 writes it. */
export const rfc3339 = (d = new Date()) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export function identityLabels(ref: ResourceRef & { kind: WorkloadKind }): Record<string, string> {
  return { [LABELS.kind]: ref.kind, [LABELS.name]: ref.name, ...(ref.scope ? { [LABELS.scope]: ref.scope } : {}) };
}

/** Labels of a replica (role = kind) or of one of its init containers (role = init). */
export function replicaLabels(w: Workload, env: EnvSync, r: ReplicaPlan, role: string = w.kind): Record<string, string> {
  return {
    ...identityLabels(w.ref as ResourceRef & { kind: WorkloadKind }),
    [LABELS.replicaId]: r.replicaId,
    [LABELS.hash]: r.hash,
    [LABELS.createdAt]: rfc3339(),
    [LABELS.releaseId]: r.releaseId ?? '',
    ...(r.ordinal !== undefined ? { [LABELS.ordinal]: String(r.ordinal) } : {}),
    [LABELS.role]: role,
    [LABELS.envHash]: env.hash,
    // Init containers run once and never call back: the pod's credential is the replica's alone.
    ...(role === w.kind ? r.identityLabels : {}),
  };
}

/** The engine's label filter matches; this re-checks exactly (an unscoped query must not match scoped ones). */
export function isIdentity(c: ContainerSummary, ref: ResourceRef): boolean {
  const l = c.labels;
  return l[LABELS.kind] === ref.kind && l[LABELS.name] === ref.name && (l[LABELS.scope] ?? '') === ref.scope;
}

export function toReplica(c: ContainerSummary): Replica {
  const l = c.labels;
  const ord = l[LABELS.ordinal];
  return {
    ...c,
    replicaId: l[LABELS.replicaId] ?? '',
    hash: l[LABELS.hash] ?? '',
    envHash: l[LABELS.envHash] ?? '',
    releaseId: l[LABELS.releaseId] ?? '',
    ...(ord !== undefined && /^\d+$/.test(ord) ? { ordinal: Number(ord) } : {}),
  };
}

/** Creation time of a replica: its label when present (seconds), else the engine's. */
export function createdMs(c: ContainerSummary): number {
  const label = Date.parse(c.labels[LABELS.createdAt] ?? '');
  const engine = Date.parse(c.createdAt);
  return Number.isNaN(engine) ? (Number.isNaN(label) ? 0 : label) : engine;
}
