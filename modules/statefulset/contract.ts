/**
 * The `statefulsets` service: what other modules may ask of statefulsets
 * beyond the reconcile — today, rebuilding one ordinal from scratch
 * (`DELETE /resource?scope=&name=&ordinal=N`).
 */
import type { ResourceRef } from '../../lib/identity.js';

export interface RebootstrapReport {
  /** The pod container removed (empty when there was none). */
  container_removed: string;
  /** That ordinal's claim volumes removed (prune only). */
  volumes_removed: string[];
  /** The ordinal was recreated by a reconcile before answering. */
  recreated: boolean;
}

export interface Statefulsets {
  /** Remove pod N (and, with `prune`, its volumes), then reconcile so it comes back fresh. */
  rebootstrap(ref: ResourceRef, ordinal: number, opts: { prune: boolean }): Promise<RebootstrapReport>;
}

declare module '../../kernel/services.js' {
  interface ServiceMap {
    statefulsets: Statefulsets;
  }
}
