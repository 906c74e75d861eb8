/**
 * Following the replicas of deployments through the engine's events: a
 * start, kill, die or destroy of a deployment replica re-syncs the ingresses
 * in front of it, debounced per deployment so a rollout's burst of events
 * becomes one re-sync. A `kill` marks the container as tearing down at once:
 * it leaves the upstreams while it still finishes what it serves.
 */
import { type Logger } from '../../kernel/index.js';
import { messageOf } from '../../lib/errors.js';
import { formatRef, type ResourceRef } from '../../lib/identity.js';
import { LABELS } from '../workload/contract.js';
import type { Runtime, Subscription } from '../runtime/contract.js';

const ACTIONS = new Set(['start', 'kill', 'die', 'destroy']);

export interface FollowDeps {
  runtime: Runtime;
  log: Logger;
  debounceMs: number;
  onChange(deployment: ResourceRef): Promise<void>;
}

export function followReplicas(deps: FollowDeps) {
  const tearing = new Set<string>();
  const timers = new Map<string, NodeJS.Timeout>();
  let events: Subscription | undefined;
  let stopping = false;

  /** Run `fn` once `ms` after the last ask for `key`. */
  const debounce = (key: string, ms: number, fn: () => void) => {
    clearTimeout(timers.get(key));
    const t = setTimeout(() => {
      timers.delete(key);
      fn();
    }, ms);
    t.unref();
    timers.set(key, t);
  };

  const changed = (deployment: ResourceRef) =>
    debounce(formatRef(deployment), deps.debounceMs, () => {
      if (stopping) return;
      deps.onChange(deployment).catch((err) => deps.log.warn(`${formatRef(deployment)}: ingress re-sync not queued: ${messageOf(err)}`));
    });

  async function subscribe(): Promise<void> {
    events = await deps.runtime.events(
      (ev) => {
        if (ev.labels[LABELS.role] !== 'deployment' || !ACTIONS.has(ev.action)) return;
        if (ev.action === 'kill') tearing.add(ev.containerId);
        else if (ev.action === 'start' || ev.action === 'destroy') tearing.delete(ev.containerId);
        changed({ kind: 'deployment', scope: ev.labels[LABELS.scope] ?? '', name: ev.labels[LABELS.name] ?? '' });
      },
      (err) => {
        if (stopping) return;
        deps.log.warn(`ingress: docker event stream ended (${err.message}); resubscribing`);
        setTimeout(() => {
          if (!stopping) subscribe().catch((e) => deps.log.warn(`ingress: cannot follow docker events: ${messageOf(e)}`));
        }, 1000).unref();
      },
    );
  }

  return {
    /** The engine says this container was told to stop (ids compared by prefix: events may carry short ones). */
    tearingDown: (containerId: string) => [...tearing].some((id) => id.startsWith(containerId) || containerId.startsWith(id)),
    /** A re-sync of `ref` in `ms` (a replica that does not accept connections yet). */
    later: (ref: ResourceRef, ms: number, fn: () => void) => debounce(`later:${formatRef(ref)}`, ms, () => !stopping && fn()),
    start: subscribe,
    stop() {
      stopping = true;
      events?.close();
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
    },
  };
}
