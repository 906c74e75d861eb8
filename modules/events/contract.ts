/**
 * The `events` service: what happened to a resource, in the words an
 * operator reads — created, pulled, started, ready, unready, died,
 * repaired, rolled, failed — each with its reason, a count and the first
 * and last time it happened. The log of each resource is bounded and
 * compacted: the same thing happening again (a crash loop, a retried pull)
 * bumps the count of its one line instead of adding lines, as Kubernetes
 * does. Recording never throws and never waits: an event lost to a store
 * outage costs a line of history, not the work that produced it.
 */
import type { ResourceRef } from '../../lib/identity.js';

export type EventType = 'normal' | 'warning';

/** Reasons the core modules record; a module may record others (CamelCase, one word). */
export const EventReason = {
  Applied: 'Applied',
  Pulled: 'Pulled',
  PullFailed: 'PullFailed',
  Created: 'Created',
  Ready: 'Ready',
  Unready: 'Unready',
  Died: 'Died',
  Repaired: 'Repaired',
  BackOff: 'BackOff',
  Rolling: 'Rolling',
  Rolled: 'Rolled',
  RolloutFailed: 'RolloutFailed',
  ReconcileFailed: 'ReconcileFailed',
  Retired: 'Retired',
  Deleted: 'Deleted',
} as const;

export interface NewEvent {
  type: EventType;
  reason: string;
  /** Keep it free of ids that change between repeats (put the pod in `object`), so repeats compact. */
  message: string;
  /** The pod (container name) it concerns, when one does. */
  object?: string;
}

/** One line of a resource's event log, as stored and answered. */
export interface ResourceEvent extends NewEvent {
  /** `kind/scope/name`. */
  resource: string;
  kind: string;
  scope: string;
  name: string;
  count: number;
  first_at: string;
  last_at: string;
}

export interface EventQuery {
  kind?: string;
  scope?: string;
  name?: string;
}

export interface Events {
  /** Record an event of `ref` (queued; written in the background, compacted with its repeats). */
  record(ref: ResourceRef, event: NewEvent): void;
  /** The events that match, oldest first by their last time. */
  list(query?: EventQuery): Promise<ResourceEvent[]>;
  /**
   * Every event recorded or repeated from now on that matches, as it lands
   * in the store (whichever controller wrote it). Returns the unsubscribe.
   */
  follow(query: EventQuery, onEvent: (event: ResourceEvent) => void, onError?: (err: Error) => void): Promise<() => Promise<void>>;
  /** Writes still queued are done (tests and shutdown). */
  flush(): Promise<void>;
}

declare module '../../kernel/services.js' {
  interface ServiceMap {
    events: Events;
  }
}
