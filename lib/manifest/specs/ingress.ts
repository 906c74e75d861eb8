/**
 * ingress (and the ingress half of `app`). A `tls` block means TLS on unless
 * it says `enabled = false`, with letsencrypt as the provider; `enabled` is
 * always written out so a validated spec validates to itself.
 */
import type { At } from '../at.js';
import { flag, formatted, int, keepFlag, list, oneOf, record, str, text, type Decoder, type Shape } from '../decoders.js';
import { durationProblem } from '../durations.js';
import * as f from '../fields.js';
import type { IngressLB, IngressLocation, IngressSpec, IngressTLS } from '../types.js';
import { emailProblem, httpUrlProblem, ingressHostProblem, locationPathProblem } from '../values.js';
import { ordered } from './container.js';

/** Caddy selection policies that need no further parameters. */
const LB_POLICIES = ['round_robin', 'random', 'least_conn', 'ip_hash', 'client_ip_hash', 'first', 'uri_hash'];

const tls: Decoder<IngressTLS> = (v, at) => {
  const t = record<Partial<IngressTLS>>('a tls block', {
    enabled: keepFlag,
    provider: str,
    email: formatted(emailProblem),
    on_demand: flag,
    ask: formatted(httpUrlProblem),
  })(v, at)!;
  if (t.on_demand && !t.ask) at.key('ask').fail('is required when on_demand = true: caddy asks this URL before issuing a certificate for a host');
  return ordered({ ...t, enabled: t.enabled ?? true, provider: t.provider || 'letsencrypt' }, ['enabled', 'provider', 'email', 'on_demand', 'ask']);
};

const location: Decoder<IngressLocation> = (v, at) => {
  const loc = record<IngressLocation>('a location block', { path: text, strip: flag })(v, at)!;
  if (!loc.path) at.key('path').fail('is required (e.g. "/api")');
  const problem = locationPathProblem(loc.path);
  if (problem) at.key('path').fail(problem);
  return loc;
};

const lb: Decoder<IngressLB> = record('an lb block', {
  policy: oneOf(LB_POLICIES),
  interval: formatted(durationProblem),
});

/** The fields an ingress shares with `app` (everything but service and port). */
export const ingressRouteShape: Shape<Omit<IngressSpec, 'service' | 'port'>> = {
  host: text,
  tls,
  locations: list(location),
  lb,
};

const shape: Shape<IngressSpec> = {
  host: ingressRouteShape.host,
  service: f.serviceName,
  port: int({ min: 0, max: 65535 }),
  tls,
  locations: ingressRouteShape.locations,
  lb,
};
const KEYS = Object.keys(shape);

export function checkIngressRoute(spec: { host?: string }, at: At): void {
  if (!spec.host) at.key('host').fail('is required (the domain this ingress serves, e.g. app.example.com)');
  const problem = ingressHostProblem(spec.host ?? '');
  if (problem) at.key('host').fail(problem);
}

export function validateIngress(raw: unknown, at: At): IngressSpec {
  const spec = record<IngressSpec>('an ingress', shape, { serverKeys: true })(raw, at)!;
  checkIngressRoute(spec, at);
  return ordered(spec, KEYS);
}
