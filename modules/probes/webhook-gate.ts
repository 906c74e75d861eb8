/**
 * on_probe gating: an unhealthy edge is a `failure` and is
 * remembered; a healthy edge is a `recovery` only after a failure. Kept by
 * container id, not by runner: a liveness restart replaces the runners of
 * the same container, and its recovery must still follow the failure.
 */
import type { ProbeType } from './config.js';
import type { Phase } from './runner.js';

export class WebhookGate {
  readonly #hadFailure = new Set<string>();

  /** The on_probe slot this edge fires, if any. */
  edge(containerId: string, probe: ProbeType, phase: Phase): 'failure' | 'recovery' | undefined {
    const key = `${containerId}|${probe}`;
    if (phase === 'unhealthy') {
      this.#hadFailure.add(key);
      return 'failure';
    }
    if (phase === 'healthy' && this.#hadFailure.delete(key)) return 'recovery';
    return undefined;
  }

  /** The container is gone for good. */
  forget(containerId: string): void {
    for (const key of this.#hadFailure) if (key.startsWith(`${containerId}|`)) this.#hadFailure.delete(key);
  }
}
