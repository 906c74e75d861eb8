/**
 * Zero-downtime rolling update, `max_surge` replicas at a time: start that
 * many successors at once, wait until each is ready, then retire the
 * replica it replaces — in the background: the old one drains (its stop
 * signal, then its grace period) while the next successors already start,
 * so a rollout never waits on the dead. An old replica goes only once its
 * successor is ready, so the ready count never drops below what it was. A
 * successor that never gets ready is removed and the rollout stops there:
 * the remaining old replicas keep serving.
 *
 * A deployment that publishes a fixed host port cannot run two replicas on
 * one host port, so it is rolled in place instead, one at a time (old out,
 * new in).
 */
import { type Logger } from '../../kernel/index.js';
import { TransientError, messageOf } from '../../lib/errors.js';
import type { ContainerDetails } from '../runtime/contract.js';
import type { Replica } from '../workload/contract.js';
import { createReplica, type CreateContext } from './replicas.js';

export interface RolloutContext extends CreateContext {
  log: Logger;
  readyTimeoutMs: number;
  /** Readiness outcomes, by container name, for the status blob. */
  readiness: Record<string, unknown>;
}

/** Why a rollout stopped; the reconcile records it and fails with it. */
export class RolloutStopped extends Error {}

type Stale = { replica: Replica; why: string };

/** `max_surge`: a count ≥ 1, or a percentage of `replicas` rounded up; default 1. */
export function surgeOf(maxSurge: unknown, replicas: number): number {
  if (typeof maxSurge === 'number' && Number.isInteger(maxSurge) && maxSurge >= 1) return maxSurge;
  const pct = typeof maxSurge === 'string' ? /^(\d{1,3})%$/.exec(maxSurge.trim()) : null;
  if (pct) return Math.max(1, Math.ceil((Number(pct[1]) / 100) * replicas));
  return 1;
}

export async function rollOut(c: RolloutContext, stale: Stale[], maxSurge = 1): Promise<number> {
  const inPlace = c.w.ports.some(hasFixedHostPort);
  if (inPlace) c.log.info(`${c.w.appId}: publishes a fixed host port; rolling in place (each replica is briefly down)`);
  const surge = inPlace ? 1 : Math.max(1, maxSurge);
  // Old replicas draining while the rollout goes on; all are waited for before it ends.
  const retiring: Promise<void>[] = [];
  const retireLater = (old: Replica) => {
    retiring.push(c.workload.retire(old.id, { drain: true }).catch((err) => c.log.warn(`${c.w.appId}: retiring ${old.name}: ${messageOf(err)}`)));
  };
  let done = 0;
  try {
    for (let i = 0; i < stale.length; i += surge) {
      c.signal.throwIfAborted();
      const batch = stale.slice(i, i + surge);
      if (inPlace) await c.workload.retire(batch[0]!.replica.id, { drain: true });
      const outcomes = await Promise.all(batch.map((s) => successor(c, s, inPlace)));
      c.signal.throwIfAborted();
      let failure: string | undefined;
      for (const [k, o] of outcomes.entries()) {
        const { replica: old, why } = batch[k]!;
        if ('failure' in o) {
          failure ??= o.failure;
          continue;
        }
        if (!inPlace) retireLater(old);
        done++;
        c.log.info(`${c.w.appId}: rolling ${i + k + 1}/${stale.length}: ${o.fresh.name} ready, ${old.name} retiring (${why})`);
      }
      if (failure) throw new RolloutStopped(failure);
    }
  } finally {
    await Promise.all(retiring);
  }
  return done;
}

/** Starts the successor of one stale replica and waits for its readiness; a failure is answered, not thrown (its batch mates still count). */
async function successor(c: RolloutContext, { replica: old }: Stale, inPlace: boolean): Promise<{ fresh: ContainerDetails } | { failure: string }> {
  let fresh: ContainerDetails;
  try {
    fresh = await createReplica(c);
  } catch (err) {
    if (err instanceof TransientError || c.signal.aborted) throw err;
    return { failure: `could not start the successor of ${old.name}: ${messageOf(err)}` };
  }
  const res = await c.workload.readiness.waitReady({ name: fresh.name, id: fresh.id }, {
    probes: c.w.probes,
    timeoutMs: c.readyTimeoutMs,
    signal: c.signal,
  });
  c.signal.throwIfAborted();
  c.readiness[fresh.name] = {
    container_name: fresh.name,
    replica_id: fresh.labels['voodu.replica_id'] ?? '',
    ready: res.ready,
    reason: res.reason ?? '',
    last_transition: new Date().toISOString(),
  };
  if (!res.ready) {
    // In place there is nothing older left to fall back on: keep the new one for `docker logs`.
    if (!inPlace) await c.workload.retire(fresh.id);
    return { failure: `${fresh.name} (replacing ${old.name}) did not become ready: ${res.reason ?? 'no reason given'}` };
  }
  return { fresh };
}

/** `3000:80`, `127.0.0.1:3000:80`: a host port docker cannot give to two containers. */
export function hasFixedHostPort(port: string): boolean {
  const parts = port.replace(/^\[[^\]]*\]/, 'ip').split(':');
  if (parts.length < 2) return false;
  const host = parts[parts.length - 2]!;
  return host !== '';
}
