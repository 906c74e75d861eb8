/** `GET /overview`: one screen of how the host is doing (wire types; `voodu status` imports them). */

export const OVERVIEW_PATH = '/overview';

export interface Dependency {
  ok: boolean;
  /** How long the check took. */
  latency_ms: number;
  error?: string;
  /** etcd: the store revision; Docker: nothing more. */
  revision?: number;
}

export interface ResourceLine {
  kind: string;
  name: string;
  /** Workloads only (deployments and statefulsets): replicas asked for, running, ready. */
  desired?: number;
  running?: number;
  ready?: number;
  /** The last reconcile or rollout error, empty when none. */
  error: string;
}

export interface Overview {
  controller: { version: string; pid: number; uptime_s: number };
  etcd: Dependency;
  docker?: Dependency;
  scopes: { scope: string; resources: ResourceLine[] }[];
}
