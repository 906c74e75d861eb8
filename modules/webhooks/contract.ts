/**
 * The `webhooks` service: delivers
 * `on_deploy` and `on_probe` targets. Callers hand over the event and the
 * manifest's block and go on: delivery (templating, retries 1 s / 5 s,
 * 10 s per attempt, probe dedup for 60 s) happens in the background and
 * never blocks a reconcile or a release. Consumers list `webhooks` in
 * `optional` and skip the call when it is absent.
 */
import type { ResourceRef } from '../../lib/identity.js';
import type { OnDeploySpec, OnProbeSpec } from '../../lib/manifest/types.js';

/** An on_deploy outcome: `success` after a rollout that created/recreated replicas or changed env; `failure` on every failed attempt. */
export interface DeployEvent {
  ref: ResourceRef;
  slot: 'success' | 'failure';
  release_id?: string;
  image?: string;
  started_at?: string;
  completed_at?: string;
  error?: string;
}

/** A probe phase edge of one replica. `failure` on an unhealthy edge; `recovery` on the healthy edge after a failure. */
export interface ProbeEvent {
  ref: ResourceRef;
  slot: 'failure' | 'recovery';
  /** Container name. */
  pod: string;
  probe: 'liveness' | 'readiness' | 'startup';
  /** `healthy` | `unhealthy`. */
  transition: string;
  reason?: string;
  /** When the edge happened (ms since epoch); part of the dedup id. */
  at: number;
}

export interface Webhooks {
  /** Fire-and-forget; returns at once. A manifest without targets in the slot is a no-op. */
  deploy(event: DeployEvent, onDeploy: OnDeploySpec | undefined): void;
  /** Fire-and-forget; repeats of the same transition id within 60 s are dropped. */
  probe(event: ProbeEvent, onProbe: OnProbeSpec | undefined): void;
  /** Resolves when every delivery started so far has finished (tests, shutdown). */
  idle(): Promise<void>;
}

declare module '../../kernel/services.js' {
  interface ServiceMap {
    webhooks: Webhooks;
  }
}
