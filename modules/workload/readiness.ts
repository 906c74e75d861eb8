/**
 * The default readiness gate (when no probe says otherwise): a
 * new replica is ready once it has kept running for a grace period without
 * exiting or being restarted by its restart policy. A module with real
 * probes replaces this (see contract.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Runtime } from '../runtime/contract.js';
import type { Readiness } from './contract.js';

export const DEFAULT_GRACE_MS = 3000;
const POLL_MS = 250;

export function graceReadiness(runtime: Runtime, graceMs = DEFAULT_GRACE_MS): Readiness {
  return {
    async waitReady(container, opts) {
      const first = await runtime.inspect(container.id || container.name);
      if (!first) return { ready: false, reason: `${container.name} is gone` };
      const grace = Math.min(graceMs, opts.timeoutMs);
      const deadline = Date.now() + grace;
      for (;;) {
        const now = await runtime.inspect(first.id);
        if (!now) return { ready: false, reason: `${container.name} was removed` };
        if (now.restartCount > first.restartCount || now.startedAt !== first.startedAt) {
          return { ready: false, reason: `${container.name} restarted (exit code ${now.exitCode}) within ${grace / 1000} s` };
        }
        if (!now.running) return { ready: false, reason: `${container.name} exited with code ${now.exitCode} within ${grace / 1000} s` };
        if (Date.now() >= deadline) return { ready: true, reason: `running for ${grace / 1000} s` };
        if (opts.signal?.aborted) return { ready: false, reason: 'cancelled' };
        await sleep(Math.min(POLL_MS, Math.max(0, deadline - Date.now())));
      }
    },
  };
}
