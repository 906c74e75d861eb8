/**
 * The pure judgement behind `GET /rollout`: from the manifest, its status,
 * its pods and its events, is the rollout of revision `revision` still
 * going, done, or failed for good? Level-triggered like the reconciler:
 * it is recomputed from scratch on every ask.
 *
 * Failed means nothing will fix it without a new apply: the reconcile of
 * this revision failed and is not being retried, or kept failing after two
 * retries (an image that cannot be pulled); a replica created for this
 * apply exited; a rollout stopped on a replica that never got ready.
 */
import { countReplicas, type CountedPod } from '../../lib/replica-counts.js';
import type { RolloutState } from './contract.js';

export interface EventView {
  type: string;
  reason: string;
  message: string;
  object?: string;
  last_at: string;
}

export interface RolloutInput {
  resource: string;
  kind: string;
  spec: Record<string, unknown>;
  /** The manifest's store revision the waiter applied (its `revision` in the apply answer). */
  revision: number;
  /** The manifest's `updated_at`: the controller's clock, the same one pods and events are stamped by. */
  since: string;
  status: Record<string, unknown> | undefined;
  pods: CountedPod[];
  events: EventView[];
  now: number;
  /** How long the default readiness gate wants a replica running (no readiness probe). */
  graceMs: number;
}

/** Transient failures are retried for ever; a waiter gives up after the first two retries. */
const GIVE_UP_AFTER_ATTEMPTS = 3;
/** Readiness deadline per pod created (the workload modules' default) and a minute for pulls. */
const READY_DEADLINE_S = 120;
const PULL_ALLOWANCE_S = 60;

export function rolloutPhase(i: RolloutInput): RolloutState {
  const status = i.status ?? {};
  const sinceMs = Date.parse(i.since);
  const replicas = typeof i.spec.replicas === 'number' ? i.spec.replicas : 1;
  const counts = countReplicas(i.kind, i.spec, status, i.pods, i.now, i.graceMs);
  const { desired, own, running } = counts;
  const ready = counts.ready.length;
  const isOld = (p: CountedPod) => Date.parse(p.created_at) < sinceMs - 1000;
  const old = running.filter(isOld).length;
  const deadline_s = READY_DEADLINE_S * (i.kind === 'statefulset' ? Math.max(1, replicas) : 1) + PULL_ALLOWANCE_S;
  const state = (phase: RolloutState['phase'], message: string): RolloutState => ({
    resource: i.resource,
    phase,
    desired,
    running: running.length,
    ready,
    old,
    message,
    deadline_s,
  });

  const fresh = i.events.filter((e) => Date.parse(e.last_at) >= sinceMs - 1000);
  const oldNames = new Set(own.filter(isOld).map((p) => p.name));
  const died = fresh.find((e) => (e.reason === 'Died' || e.reason === 'BackOff') && e.object && !oldNames.has(e.object));
  if (died) {
    const exit = fresh.find((e) => e.reason === 'Died' && e.object === died.object) ?? died;
    return state('failed', `replica ${died.object} ${exit.reason === 'Died' ? exit.message : 'kept stopping'} right after it started; see \`voodu logs\` of the resource`);
  }

  const observed = typeof status.observed_revision === 'number' ? status.observed_revision : 0;
  if (observed < i.revision) {
    const pulling = fresh.find((e) => e.reason === 'PullFailed');
    return state('progressing', pulling ? `pull failed, retrying: ${pulling.message}` : 'waiting for the controller to reconcile it');
  }
  const error = typeof status.last_reconcile_error === 'string' ? status.last_reconcile_error : '';
  if (error) {
    const attempt = typeof status.reconcile_attempt === 'number' ? status.reconcile_attempt : 1;
    const retrying = typeof status.retrying_at === 'string';
    if (!retrying || attempt >= GIVE_UP_AFTER_ATTEMPTS) {
      return state('failed', retrying ? `${error} (still failing after ${attempt} attempts; the controller keeps retrying)` : error);
    }
    return state('progressing', `attempt ${attempt} failed, retrying: ${error}`);
  }
  if (running.length < desired) return state('progressing', `starting replicas: ${running.length}/${desired} running`);
  if (ready < running.length || ready < desired) {
    const unready = fresh.filter((e) => e.reason === 'Unready').at(-1);
    return state('progressing', unready ? `waiting for readiness; ${unready.object}: ${unready.message}` : 'waiting for readiness');
  }
  if (running.length > desired) return state('progressing', `${running.length - desired} replica(s) of the previous spec still to retire`);
  return state('converged', 'rolled out');
}
