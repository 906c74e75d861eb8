/**
 * The `reconciler` service: ask for a resource to be reconciled (now or
 * later), wait for quiet, or follow the runtime's container events through
 * the controller's one subscription. A reconcile can also ask for its own
 * requeue by answering `{ requeueAfter: ms }` from its `onReconcile` tap.
 */
import type { ReconcileEvent } from '../../kernel/index.js';
import type { ResourceRef } from '../../lib/identity.js';
import type { RuntimeEvent } from '../runtime/contract.js';

/** Which runtime events a module wants; every field left out matches everything. */
export interface RuntimeEventFilter {
  /** Engine actions: `start`, `kill`, `die`, `destroy`, … */
  actions?: readonly string[];
  /** Containers whose `voodu.role` label is one of these (a workload's own replicas carry their kind). */
  roles?: readonly string[];
}

export interface Reconciler {
  /** Queue a reconcile of `ref` (coalesced with any already queued). */
  enqueue(ref: ResourceRef, cause: ReconcileEvent['cause']): void;
  /**
   * Queue a reconcile of `ref` in `ms` (a repair backing off, a replica not accepting yet). One
   * requeue is held per resource and the earliest time asked for wins; reconciles in between do not
   * cancel it, deleting the resource or stopping the controller does. `idle` does not wait for it.
   */
  enqueueAfter(ref: ResourceRef, ms: number, cause: ReconcileEvent['cause']): void;
  /** Reconcile `ref` now and resolve when that attempt is done; throws its error. */
  reconcileNow(ref: ResourceRef): Promise<void>;
  /**
   * Resolves when nothing is queued, running or waiting to retry — after the
   * watch has delivered `revision` (an apply's), when given.
   */
  idle(revision?: number): Promise<void>;
  /**
   * Receive the container events that pass `filter`. The stream is resubscribed with backoff when it
   * breaks; `onResume` then runs, since events in between are lost: look at the containers afresh.
   * Returns the unsubscribe. Without a runtime no event ever comes.
   */
  onRuntimeEvent(filter: RuntimeEventFilter, handler: (event: RuntimeEvent) => void, onResume?: () => void): () => void;
  /** Docker was told to stop this container (a `kill` since its last start): what it does now is teardown, not health. */
  isTearingDown(containerId: string): boolean;
}

declare module '../../kernel/services.js' {
  interface ServiceMap {
    reconciler: Reconciler;
  }
}
