/** The `reconciler` service: ask for a resource to be reconciled, or wait for quiet. */
import type { ReconcileEvent } from '../../kernel/index.js';
import type { ResourceRef } from '../../lib/identity.js';

export interface Reconciler {
  /** Queue a reconcile of `ref` (coalesced with any already queued). */
  enqueue(ref: ResourceRef, cause: ReconcileEvent['cause']): void;
  /** Reconcile `ref` now and resolve when that attempt is done; throws its error. */
  reconcileNow(ref: ResourceRef): Promise<void>;
  /**
   * Resolves when nothing is queued, running or waiting to retry — after the
   * watch has delivered `revision` (an apply's), when given.
   */
  idle(revision?: number): Promise<void>;
}

declare module '../../kernel/services.js' {
  interface ServiceMap {
    reconciler: Reconciler;
  }
}
