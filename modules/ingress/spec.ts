/**
 * ingress (and the ingress half of `app`). A `tls` block means TLS on unless
 * it says `enabled = false`, with letsencrypt as the provider; `enabled` is
 * always written out so a validated spec validates to itself.
 */
import type { At } from '../../lib/manifest/at.js';
import { flag, formatted, int, keepFlag, list, oneOf, record, str, text, type Decoder, type Shape } from '../../lib/manifest/decoders.js';
import { durationProblem } from '../../lib/manifest/durations.js';
import * as f from '../../lib/manifest/fields.js';
import { emailProblem, httpUrlProblem, ingressHostProblem, locationPathProblem } from '../../lib/manifest/values.js';
import { ordered } from '../../lib/manifest/container.js';
import type { KindDefinition } from '../../lib/manifest/kind-registry.js';
import { list as listBlock, single } from '../../lib/manifest/hcl-rules.js';

export interface IngressTLS {
  /** Always present once validated: a `tls` block without `enabled` means enabled. */
  enabled: boolean;
  provider?: string;
  email?: string;
  on_demand?: boolean;
  ask?: string;
}

export interface IngressLocation {
  path: string;
  strip?: boolean;
}

export interface IngressLB {
  policy?: string;
  interval?: string;
}

export interface IngressSpec {
  host: string;
  /** Deployment in the same scope; defaults to the ingress name at reconcile. */
  service?: string;
  /** Defaults at reconcile to the deployment's first container port, else 80. */
  port?: number;
  tls?: IngressTLS;
  locations?: IngressLocation[];
  lb?: IngressLB;
}

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

export const ingressBlocks = { tls: single(), location: listBlock('locations'), lb: single() };

export const ingressKind: KindDefinition = {
  name: 'ingress',
  plural: 'ingresses',
  scope: 'required',
  summary: 'A host name routed by Caddy to a deployment in the same scope, with TLS and path locations.',
  fields: {
    host: { type: 'string', doc: 'The domain this ingress serves (e.g. `app.example.com`, or `*.example.com`), without scheme, port or path; required. Several ingresses may share a host when their `location` paths differ.' },
    service: { type: 'string', doc: 'The deployment in the same scope to route to, a resource name; default the ingress\'s own name.' },
    port: { type: 'number', doc: 'The replicas\' container port to route to (0–65535); default the container port of the deployment\'s first `ports` entry, else 80.' },
    tls: {
      type: 'block',
      doc: '`tls { enabled, provider, email, on_demand, ask }`: the block turns TLS on unless `enabled = false`, with `provider` `letsencrypt` (the default), `zerossl` or `internal` (Caddy\'s own CA) and `email` the ACME account address; `on_demand = true` requires `ask`, the http(s) URL Caddy asks before issuing a certificate for a host. Plain HTTP to a TLS host is redirected.',
    },
    locations: {
      type: 'block (repeatable): `location { … }`',
      doc: 'Paths of the host this ingress serves: `location { path, strip }`, `path` starting with `/` (no spaces) and `strip = true` removing that prefix before proxying; without one, the whole host. Paths are matched longest first.',
    },
    lb: {
      type: 'block',
      doc: '`lb { policy, interval }`: `policy` one of `round_robin` (the default), `random`, `least_conn`, `ip_hash`, `client_ip_hash`, `first`, `uri_hash`; `interval` (a duration) the health-check interval, by default the readiness probe\'s `period` when that probe is an `http_get`.',
    },
  },
  defaults: ['a `tls { … }` block without `enabled` means `enabled = true`', '`tls.provider = "letsencrypt"` when it is not set'],
  example: `ingress "prod" "shop-api" {
  host    = "shop.example.com"
  service = "api"

  location {
    path  = "/api"
    strip = true
  }

  tls {
    email = "ops@example.com"
  }
}
`,
  validate: validateIngress,
  roles: { prunable: true },
  hcl: { blocks: ingressBlocks },
};

export const kinds = [ingressKind];
