/**
 * `app`: sugar for a deployment and an ingress with one identity. Validated
 * as a whole, so its errors name `app/<scope>/<name>`; defaults are applied
 * when it is expanded. The ingress gets no service (the deployment of the
 * same name) and no port (the deployment's first port): both are resolved
 * at reconcile. Pure, so the CLI and the controller's app module share it.
 */
import type { At } from '../../lib/manifest/at.js';
import { record, type Shape } from '../../lib/manifest/decoders.js';
import { checkDeployment, deploymentShape } from '../deployment/spec.js';
import { checkIngressRoute, ingressRouteShape } from '../ingress/spec.js';
import { ordered } from '../../lib/manifest/container.js';
import { ValidationError } from '../../lib/errors.js';
import type { Manifest } from '../../lib/identity.js';
import type { KindDefinition, KindRegistry } from '../../lib/manifest/kind-registry.js';
import { validateManifest, type ValidateOptions } from '../../lib/manifest/validate.js';
import { deploymentKind } from '../deployment/spec.js';
import { deploymentBlocks } from '../deployment/spec.js';
import { ingressBlocks } from '../ingress/spec.js';
import type { DeploymentSpec } from '../deployment/spec.js';
import type { IngressLB, IngressLocation, IngressTLS } from '../ingress/spec.js';

/** `app` sugar: a deployment's fields plus the ingress's host, tls, locations and lb. */
export interface AppSpec extends DeploymentSpec {
  host: string;
  tls?: IngressTLS;
  locations?: IngressLocation[];
  lb?: IngressLB;
}

const shape: Shape<AppSpec> = { ...deploymentShape, ...ingressRouteShape };
export const APP_INGRESS_KEYS = Object.keys(ingressRouteShape);

export function validateApp(raw: unknown, at: At): AppSpec {
  const spec = record<AppSpec>('an app', shape, { serverKeys: true })(raw, at)!;
  checkDeployment(spec, at);
  checkIngressRoute(spec, at);
  return ordered(spec, Object.keys(shape));
}

/** The deployment and the ingress an app stands for, each validated as its own kind. */
export function expandApp(m: Manifest, kinds: KindRegistry, opts: ValidateOptions = {}): Manifest[] {
  const app = validateManifest(m, kinds, opts);
  if (app.kind !== 'app') throw new ValidationError(`expandApp: expected an app manifest, got kind ${JSON.stringify(app.kind)}`, { field: 'kind' });
  const deployment: Record<string, unknown> = {};
  const ingress: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(app.spec)) (APP_INGRESS_KEYS.includes(k) ? ingress : deployment)[k] = v;
  const identity = { ...(app.scope ? { scope: app.scope } : {}), name: app.name };
  return [
    validateManifest({ kind: 'deployment', ...identity, spec: deployment }, kinds, opts),
    validateManifest({ kind: 'ingress', ...identity, spec: ingress }, kinds, opts),
  ];
}

export const appKind: KindDefinition = {
  name: 'app',
  scope: 'required',
  summary: 'Sugar for a deployment and an ingress sharing one identity: every deployment field plus host, tls, location and lb.',
  fields: {
    ...deploymentKind.fields,
    host: { type: 'string', doc: 'The domain the app is served on (e.g. `shop.example.com`, or `*.example.com`), without scheme, port or path; required. The route goes to the app\'s own deployment, on the container port of its first `ports` entry (else 80).' },
    tls: {
      type: 'block',
      doc: '`tls { enabled, provider, email, on_demand, ask }`: the block turns TLS on unless `enabled = false`, with `provider` `letsencrypt` (the default), `zerossl` or `internal` (Caddy\'s own CA) and `email` the ACME account address; `on_demand = true` requires `ask`, the http(s) URL Caddy asks before issuing a certificate for a host. Plain HTTP to a TLS host is redirected.',
    },
    locations: {
      type: 'block (repeatable): `location { … }`',
      doc: 'Paths of the host the app serves: `location { path, strip }`, `path` starting with `/` (no spaces) and `strip = true` removing that prefix before proxying; without one, the whole host. Paths are matched longest first, so other ingresses can serve other paths of the host.',
    },
    lb: {
      type: 'block',
      doc: '`lb { policy, interval }`: `policy` one of `round_robin` (the default), `random`, `least_conn`, `ip_hash`, `client_ip_hash`, `first`, `uri_hash`; `interval` (a duration) the health-check interval, by default the readiness probe\'s `period` when that probe is an `http_get`.',
    },
  },
  defaults: [
    'a `tls { … }` block without `enabled` means `enabled = true`, and `tls.provider = "letsencrypt"` when it is not set',
    'when it expands, the deployment gets the deployment defaults: `health_check = "/"`, `logs { max_size = "10m", max_files = 3 }`, `build { context = "." }` without an `image`, `replicas = autoscale.min` with `autoscale`',
  ],
  example: `app "prod" "shop" {
  image    = "ghcr.io/acme/shop:1.4"
  replicas = 2
  ports    = ["8080"]

  host = "shop.example.com"
  tls {
    email = "ops@example.com"
  }
}
`,
  validate: validateApp,
  expand: expandApp,
  roles: { envFile: true, expandsTo: ['deployment', 'ingress'] },
  hcl: { blocks: { ...deploymentBlocks, ...ingressBlocks } },
};

export const kinds = [appKind];
