/**
 * validateManifest: the one gate every manifest passes, in the CLI after
 * parsing and again at /apply (decision 13). It checks identity for every
 * kind and, for core kinds and `app`, the spec field by field; plugin kinds
 * keep their spec as written (their plugin validates it when it expands).
 *
 * Defaults applied (the reference's parse defaults, so both sides agree):
 *   deployment   health_check "/", logs {10m, 3}, build {context "."} when
 *                there is no image, replicas = autoscale.min when unset
 *                (clamped into [min, max] when set)
 *   statefulset  logs {10m, 3}, build {context "."} when there is no image
 *   job          logs {10m, 3};  cronjob: the same inside `job`
 *   ingress      tls present → enabled (unless false), provider "letsencrypt"
 *   registry     password → token
 * Reconcile-time defaults (image `<AppID>:latest`, restart, networks, ingress
 * service and port, history limits, timeouts) are left to the controller.
 * The result validates to itself.
 */
import { ValidationError } from '../errors.js';
import { assertSegment, formatRef, type Manifest } from '../identity.js';
import { At } from './at.js';
import { describe, isPlainObject } from './decoders.js';
import { APP_KIND, CORE_KINDS, isCoreKind, parseKind, scopeRule } from './kinds.js';
import { validateApp } from './specs/app.js';
import { validateAsset } from './specs/asset.js';
import { validateCronJob } from './specs/cronjob.js';
import { validateDeployment } from './specs/deployment.js';
import { validateIngress } from './specs/ingress.js';
import { validateJob } from './specs/job.js';
import { validateRegistry } from './specs/registry.js';
import { validateStatefulset } from './specs/statefulset.js';

export interface ValidateOptions {
  /** File the manifest came from (`voodu.hcl` or `voodu.hcl:12`); prefixes every message. */
  source?: string;
  /**
   * The manifest was just parsed from HCL: apply HCL's type conversions
   * (numbers and bools where strings are wanted, and back), refuse
   * server-stamped `_` keys, and treat `replicas` next to `autoscale` as the
   * contradiction it is there. The CLI sets this; /apply does not.
   */
  hcl?: boolean;
}

const SPEC_VALIDATORS: Record<string, (raw: unknown, at: At) => object> = {
  deployment: validateDeployment,
  statefulset: validateStatefulset,
  ingress: validateIngress,
  job: validateJob,
  cronjob: validateCronJob,
  asset: validateAsset,
  registry: validateRegistry,
  [APP_KIND]: validateApp,
};

const MANIFEST_KEYS = ['kind', 'scope', 'name', 'spec', 'metadata'];

export function validateManifest(m: unknown, opts: ValidateOptions = {}): Manifest {
  const src = opts.source ? `${opts.source}: ` : '';
  const fail = (message: string, field: string): never => {
    throw new ValidationError(`${src}${message}`, { field });
  };
  if (!isPlainObject(m)) return fail(`a manifest must be an object {kind, scope, name, spec}, got ${describe(m)}`, 'manifest');
  for (const key of Object.keys(m)) {
    if (!MANIFEST_KEYS.includes(key)) fail(`${key}: unknown manifest field; a manifest has kind, scope, name, spec and metadata`, key);
  }
  if (typeof m.kind !== 'string' || m.kind === '') return fail(`kind: required (${CORE_KINDS.join(', ')}, or a plugin kind)`, 'kind');
  const kind = m.kind.toLowerCase();
  const scope = m.scope === undefined || m.scope === null ? '' : m.scope;
  if (typeof scope !== 'string') return fail(`scope: must be a string, got ${describe(scope)}`, 'scope');
  const name = m.name;
  if (typeof name !== 'string' || name === '') return fail(`${kind}: name is required`, 'name');
  const block = formatRef({ kind, scope, name });

  if (!isCoreKind(kind) && kind !== APP_KIND) {
    const core = parseKind(kind);
    if (core) fail(`${block}: kind ${JSON.stringify(m.kind)} is a plural; use ${JSON.stringify(core)}`, 'kind');
  }
  const segment = (value: string, field: string) => {
    try {
      assertSegment(value, field);
    } catch (err) {
      fail(`${block}: ${(err as Error).message}`, field);
    }
  };
  segment(kind, 'kind');
  segment(name, 'name');
  if (scope) segment(scope, 'scope');
  const rule = scopeRule(kind);
  if (rule === 'required' && !scope) fail(`${block}: scope is required; write ${kind} "<scope>" "${name}" { … }`, 'scope');
  if (rule === 'forbidden' && scope) fail(`${block}: a ${kind} is host-wide and takes no scope; write ${kind} "${name}" { … }`, 'scope');
  // Assets are addressed as ${asset.<scope>.<name>.<key>}: a dot in a segment would make that ambiguous.
  if (kind === 'asset' && (scope.includes('.') || name.includes('.'))) {
    fail(`${block}: asset scope and name cannot contain '.', since \${asset.<scope>.<name>.<key>} is split on dots`, scope.includes('.') ? 'scope' : 'name');
  }

  const rawSpec = m.spec ?? {};
  if (!isPlainObject(rawSpec)) return fail(`${block}: spec must be an object, got ${describe(rawSpec)}`, 'spec');
  const validator = SPEC_VALIDATORS[kind];
  const at = new At({ block, hcl: opts.hcl ?? false, ...(opts.source ? { source: opts.source } : {}) });
  const spec = validator ? validator(rawSpec, at) : structuredClone(rawSpec);

  const metadata = isPlainObject(m.metadata) ? { metadata: structuredClone(m.metadata) } : {};
  return { kind, ...(scope ? { scope } : {}), name, spec: spec as Record<string, unknown>, ...metadata };
}
