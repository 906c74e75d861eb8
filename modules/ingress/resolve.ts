/**
 * Pure resolution of an ingress against its target deployment: the port, the health-check path, the LB
 * interval and the env handed to the ingress plugin. No I/O, so unit tests
 * cover every rule.
 */
import { createHash } from 'node:crypto';
import type { ProbesSpec } from '../../lib/manifest/types.js';
import type { IngressSpec } from './spec.js';

/** The deployment fields an ingress reads. */
export interface TargetSpec {
  ports?: string[];
  probes?: ProbesSpec;
  health_check?: string;
}

/** Container port of a port mapping: `"8080:3000"` → 3000, `"127.0.0.1:80:3000/udp"` → 3000, `"3000"` → 3000. */
export function containerPort(mapping: string): number | undefined {
  const last = mapping.split('/')[0]!.split(':').pop() ?? '';
  if (!/^\d+$/.test(last)) return undefined;
  const n = Number(last);
  return n > 0 && n <= 65535 ? n : undefined;
}

/** spec.port > the deployment's first container port > 80. */
export function resolvePort(ingress: Pick<IngressSpec, 'port'>, target: TargetSpec): number {
  if (ingress.port && ingress.port > 0) return ingress.port;
  const first = target.ports?.[0];
  return (first !== undefined ? containerPort(first) : undefined) ?? 80;
}

/** Readiness `http_get.path`, else the deployment's `health_check`, else none. */
export function resolveHcPath(target: TargetSpec): string {
  return target.probes?.readiness?.http_get?.path || target.health_check || '';
}

/** Ingress `lb.interval`, else the readiness probe's `period` when that probe is an http_get. */
export function resolveLbInterval(ingress: Pick<IngressSpec, 'lb'>, target: TargetSpec): string {
  if (ingress.lb?.interval) return ingress.lb.interval;
  const readiness = target.probes?.readiness;
  return readiness?.http_get ? (readiness.period ?? '') : '';
}

/**
 * The replicas' shared DNS alias on voodu0 with the port (`<name>.<scope>`,
 * lowercased; unscoped `<name>`): a plugin that resolves it per request follows a rollout
 * without a config change.
 */
export function dnsUpstream(scope: string, service: string, port: number): string {
  return `${[service, scope].filter(Boolean).join('.').toLowerCase()}:${port}`;
}

export interface ResolvedRoute {
  appId: string;
  scope: string;
  service: string;
  port: number;
  /** `<ip>:<port>`, one per running replica, sorted so equal sets give equal env. */
  upstreams: string[];
  hcPath: string;
  lbInterval: string;
}

/** The env of `caddy apply <AppID>`: only the keys that have a value. */
export function ingressEnv(spec: IngressSpec, r: ResolvedRoute): Record<string, string> {
  const env: Record<string, string> = {
    VOODU_APP: r.appId,
    VOODU_INGRESS_HOST: spec.host,
    VOODU_INGRESS_SERVICE: r.service,
    VOODU_INGRESS_PORT: String(r.port),
    VOODU_INGRESS_UPSTREAMS: JSON.stringify([...r.upstreams].sort()),
    VOODU_INGRESS_DNS: dnsUpstream(r.scope, r.service, r.port),
  };
  if (spec.lb?.policy) env.VOODU_INGRESS_LB_POLICY = spec.lb.policy;
  if (r.lbInterval) env.VOODU_INGRESS_LB_INTERVAL = r.lbInterval;
  if (r.hcPath) env.VOODU_INGRESS_HC_PATH = r.hcPath;
  const tls = spec.tls;
  if (tls?.enabled) {
    env.VOODU_INGRESS_TLS = 'true';
    if (tls.provider) env.VOODU_INGRESS_TLS_PROVIDER = tls.provider;
    if (tls.email) env.VOODU_INGRESS_TLS_EMAIL = tls.email;
    if (tls.ask) env.VOODU_INGRESS_TLS_ASK = tls.ask;
    if (tls.on_demand) env.VOODU_INGRESS_TLS_ON_DEMAND = 'true';
  }
  if (spec.locations?.length) {
    env.VOODU_INGRESS_LOCATIONS = JSON.stringify(spec.locations.map((l) => ({ path: l.path, ...(l.strip ? { strip: true } : {}) })));
  }
  return env;
}

/** 16 hex over the env, keys sorted: equal routes hash equal whatever the insertion order. */
export function envHash(plugin: string, env: Record<string, string>): string {
  const sorted = Object.keys(env)
    .sort()
    .map((k) => [k, env[k]]);
  return createHash('sha256').update(JSON.stringify([plugin, sorted])).digest('hex').slice(0, 16);
}
