/**
 * How many replicas of a workload run and are ready, as `GET /rollout` and
 * `GET /overview` both count them: frozen replicas aside; ready means the
 * readiness probe passed (a workload with a readiness or startup probe)
 * or, without one, running for the default gate's grace period.
 */

export interface CountedPod {
  name: string;
  state: string;
  role: string;
  created_at: string;
  started_at?: string;
  frozen: boolean;
  orphan: boolean;
}

export interface ReplicaCounts {
  /** Replicas the spec asks for, frozen ones excluded. */
  desired: number;
  running: CountedPod[];
  ready: CountedPod[];
  /** The workload's own pods (not init, release or plugin containers), frozen included. */
  own: CountedPod[];
}

const hasGatingProbe = (spec: Record<string, unknown>) => {
  const p = spec.probes as Record<string, unknown> | undefined;
  return !!p && typeof p === 'object' && ('readiness' in p || 'startup' in p);
};

export function countReplicas(
  kind: string,
  spec: Record<string, unknown>,
  status: Record<string, unknown> | undefined,
  pods: CountedPod[],
  now: number,
  graceMs: number,
): ReplicaCounts {
  const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1;
  const own = pods.filter((p) => p.role === kind && !p.orphan);
  const desired = Math.max(0, replicas - own.filter((p) => p.frozen).length);
  const running = own.filter((p) => p.state === 'running' && !p.frozen);
  const readiness = (status?.replica_readiness ?? {}) as Record<string, { ready?: boolean } | undefined>;
  const probed = hasGatingProbe(spec);
  const ready = running.filter((p) => (probed ? readiness[p.name]?.ready === true : !!p.started_at && now - Date.parse(p.started_at) >= graceMs));
  return { desired, running, ready, own };
}
