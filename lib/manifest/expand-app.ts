/**
 * `app "scope" "name" {}` → `deployment/<scope>/<name>` + `ingress/<scope>/<name>`
 * (core.md §1.3). The ingress gets no service (the deployment of the same
 * name) and no port (the deployment's first port) — both are resolved at
 * reconcile. Pure, so the CLI and the controller's app module share it.
 */
import { ValidationError } from '../errors.js';
import type { Manifest } from '../identity.js';
import { APP_KIND } from './kinds.js';
import { APP_INGRESS_KEYS } from './specs/app.js';
import { validateManifest, type ValidateOptions } from './validate.js';

export function expandApp(m: Manifest, opts: ValidateOptions = {}): Manifest[] {
  const app = validateManifest(m, opts);
  if (app.kind !== APP_KIND) throw new ValidationError(`expandApp: expected an app manifest, got kind ${JSON.stringify(app.kind)}`, { field: 'kind' });
  const deployment: Record<string, unknown> = {};
  const ingress: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(app.spec)) (APP_INGRESS_KEYS.includes(k) ? ingress : deployment)[k] = v;
  const identity = { ...(app.scope ? { scope: app.scope } : {}), name: app.name };
  return [
    validateManifest({ kind: 'deployment', ...identity, spec: deployment }, opts),
    validateManifest({ kind: 'ingress', ...identity, spec: ingress }, opts),
  ];
}
