/**
 * The replicas an ingress routes to: every running replica of the target
 * deployment, by its voodu0 address, so Caddy balances and health-checks
 * each one itself. A replica that was told to stop (a `kill` event) leaves
 * the set at once, while it still serves what it has in flight; a replica
 * that does not accept connections yet joins once it does.
 */
import { connect } from 'node:net';
import type { ResourceRef } from '../../lib/identity.js';
import { VOODU_NETWORK, type Runtime } from '../runtime/contract.js';
import type { WorkloadService } from '../workload/contract.js';

export interface Upstreams {
  /** `<ip>:<port>` of the replicas that accept connections (all running ones when none does yet). */
  ready: string[];
  /** Running replicas not accepting yet: a later resync should add them. */
  pending: number;
  /** Running, not tearing down. */
  running: number;
}

/** True when `ip:port` accepts a TCP connection within `timeoutMs`. */
export function accepts(ip: string, port: number, timeoutMs = 300): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: ip, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export async function resolveUpstreams(
  deps: { runtime: Runtime; workload: WorkloadService; tearingDown: (containerId: string) => boolean },
  target: ResourceRef,
  port: number,
): Promise<Upstreams> {
  const replicas = await deps.workload.list({ ...target, kind: 'deployment' });
  const addresses: string[] = [];
  for (const r of replicas) {
    if (r.state !== 'running' || deps.tearingDown(r.id)) continue;
    const details = await deps.runtime.inspect(r.id);
    const ip = details?.running ? details.networks[VOODU_NETWORK]?.ipAddress : undefined;
    if (ip) addresses.push(ip);
  }
  const checks = await Promise.all(addresses.map(async (ip) => ((await accepts(ip, port)) ? ip : undefined)));
  const ready = checks.filter((ip): ip is string => ip !== undefined);
  const chosen = ready.length ? ready : addresses;
  return { ready: chosen.map((ip) => `${ip}:${port}`).sort(), pending: addresses.length - ready.length, running: addresses.length };
}
