/**
 * A container's labels read back as a pod's identity, and
 * the resource a pod answers to — which is not always the one on its
 * labels: a release container is a `job` named `<app>-release` that belongs
 * to the deployment `<app>`.
 */
import type { ResourceRef } from '../../lib/identity.js';
import type { ContainerDetails, ContainerSummary } from '../runtime/contract.js';
import type { Pod, PodFilter } from './contract.js';

export const LABEL = {
  createdBy: 'createdby',
  kind: 'voodu.kind',
  scope: 'voodu.scope',
  name: 'voodu.name',
  replicaId: 'voodu.replica_id',
  ordinal: 'voodu.replica_ordinal',
  role: 'voodu.role',
  releaseId: 'voodu.release_id',
  createdAt: 'voodu.created_at',
} as const;

/** The engine's label filter for voodu's containers matching `filter`. */
export function labelFilter(filter: PodFilter = {}): Record<string, string> {
  return {
    [LABEL.createdBy]: 'voodu',
    ...(filter.kind && { [LABEL.kind]: filter.kind }),
    ...(filter.scope && { [LABEL.scope]: filter.scope }),
    ...(filter.name && { [LABEL.name]: filter.name }),
  };
}

export function isVoodu(c: Pick<ContainerSummary, 'labels'>): boolean {
  return c.labels[LABEL.createdBy] === 'voodu';
}

/** The labelled resource of a managed container (undefined for legacy ones without `voodu.kind`). */
export function labelledRef(c: Pick<ContainerSummary, 'labels'>): ResourceRef | undefined {
  const kind = c.labels[LABEL.kind];
  const name = c.labels[LABEL.name];
  if (!kind || !name) return undefined;
  return { kind, scope: c.labels[LABEL.scope] ?? '', name };
}

/**
 * The manifest a pod exists for, when that can be told: replicas and init
 * containers belong to their labelled resource, release containers to the
 * deployment. Plugin roles (backup, …) are not tied to a manifest we know.
 */
export function ownerOf(c: Pick<ContainerSummary, 'labels'>): ResourceRef | undefined {
  const ref = labelledRef(c);
  if (!ref) return undefined;
  const role = c.labels[LABEL.role] || ref.kind;
  if (role === ref.kind || role === 'init') return ref;
  if (role === 'release' && ref.name.endsWith('-release')) {
    return { kind: 'deployment', scope: ref.scope, name: ref.name.slice(0, -'-release'.length) };
  }
  return undefined;
}

export interface PodFacts {
  details?: Pick<ContainerDetails, 'startedAt'>;
  frozen: boolean;
  orphan: boolean;
}

const ZERO_TIME = /^0001-01-01/;

export function podOf(c: ContainerSummary, facts: PodFacts): Pod {
  const l = c.labels;
  const kind = l[LABEL.kind] ?? '';
  const ordinal = l[LABEL.ordinal] !== undefined && /^\d+$/.test(l[LABEL.ordinal]!) ? Number(l[LABEL.ordinal]) : undefined;
  const started = facts.details?.startedAt;
  return {
    name: c.name,
    id: c.id,
    kind,
    scope: l[LABEL.scope] ?? '',
    resource: l[LABEL.name] ?? '',
    replica_id: l[LABEL.replicaId] ?? '',
    ...(ordinal !== undefined && { ordinal }),
    role: l[LABEL.role] || kind,
    image: c.image,
    state: c.state,
    status: c.status,
    created_at: l[LABEL.createdAt] || c.createdAt,
    ...(started && !ZERO_TIME.test(started) && { started_at: started }),
    ...(l[LABEL.releaseId] && { release_id: l[LABEL.releaseId] }),
    frozen: facts.frozen,
    orphan: facts.orphan,
  };
}
