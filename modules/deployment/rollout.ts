/**
 * Zero-downtime rolling update: for each stale replica, start
 * its successor, wait until the successor is ready, then drain and retire
 * the old one. A successor that never gets ready is removed and the rollout
 * stops there: the remaining old replicas keep serving.
 *
 * A deployment that publishes a fixed host port cannot run two replicas on
 * one host port, so it is rolled in place instead (old out, new in).
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

export async function rollOut(c: RolloutContext, stale: { replica: Replica; why: string }[]): Promise<number> {
  const inPlace = c.w.ports.some(hasFixedHostPort);
  if (inPlace) c.log.info(`${c.w.appId}: publishes a fixed host port; rolling in place (each replica is briefly down)`);
  let done = 0;
  for (const [i, { replica: old, why }] of stale.entries()) {
    c.signal.throwIfAborted();
    if (inPlace) await c.workload.retire(old.id, { drain: true });
    let fresh: ContainerDetails;
    try {
      fresh = await createReplica(c);
    } catch (err) {
      if (err instanceof TransientError || c.signal.aborted) throw err;
      throw new RolloutStopped(`could not start the successor of ${old.name}: ${messageOf(err)}`);
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
      throw new RolloutStopped(`${fresh.name} (replacing ${old.name}) did not become ready: ${res.reason ?? 'no reason given'}`);
    }
    if (!inPlace) await c.workload.retire(old.id, { drain: true });
    done++;
    c.log.info(`${c.w.appId}: rolling ${i + 1}/${stale.length}: ${fresh.name} ready, ${old.name} retired (${why})`);
  }
  return done;
}

/** `3000:80`, `127.0.0.1:3000:80`: a host port docker cannot give to two containers. */
export function hasFixedHostPort(port: string): boolean {
  const parts = port.replace(/^\[[^\]]*\]/, 'ip').split(':');
  if (parts.length < 2) return false;
  const host = parts[parts.length - 2]!;
  return host !== '';
}
