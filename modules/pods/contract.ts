/**
 * The `pods` service: voodu's containers seen as pods of resources, with
 * their identity read back from the labels. Other
 * modules (describe, later the autoscaler) list pods through it so every
 * answer agrees on what a pod is.
 */
import type { ResourceRef } from '../../lib/identity.js';
import type { ContainerState } from '../runtime/contract.js';

export interface Pod {
  /** Container name, e.g. `prod-api.a1b2`. */
  name: string;
  id: string;
  /** `voodu.kind`; empty for legacy containers made before labels. */
  kind: string;
  scope: string;
  /** `voodu.name`: the resource the pod belongs to. */
  resource: string;
  replica_id: string;
  /** Statefulset pods only. */
  ordinal?: number;
  /** `voodu.role`, defaulting to the kind: `init`, `release` and plugin roles like `backup` differ. */
  role: string;
  image: string;
  state: ContainerState;
  /** Docker's sentence: `Up 3 minutes`, `Exited (0) 2 seconds ago`. */
  status: string;
  created_at: string;
  /** Absent for a container that never started. */
  started_at?: string;
  release_id?: string;
  /** Its replica id is on the resource's frozen list (stopped on purpose). */
  frozen: boolean;
  /** Managed, but the manifest it belongs to is gone from the desired state. */
  orphan: boolean;
}

export interface PodFilter {
  kind?: string;
  scope?: string;
  /** Resource name (`voodu.name`). */
  name?: string;
}

export interface Pods {
  /** Running and stopped, sorted by name. */
  list(filter?: PodFilter): Promise<Pod[]>;
  /** Docker volumes of a statefulset (`voodu.kind=statefulset` plus its scope and name), sorted. */
  volumes(ref: ResourceRef): Promise<string[]>;
}

declare module '../../kernel/services.js' {
  interface ServiceMap {
    pods: Pods;
  }
}
