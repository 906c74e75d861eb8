/** Which stored job (or cronjob) a request names; a missing scope is resolved when the name is unique. */
import { NotFoundError, ValidationError } from '../../lib/errors.js';
import { appId, assertSegment, keys, type Manifest, type ResourceRef } from '../../lib/identity.js';
import { resolveDesiredRef } from '../../lib/desired-ref.js';
import type { Store } from '../store/contract.js';
import type { JobKind } from './contract.js';

export async function resolveRef(store: Store, kind: JobKind, name: string | undefined, scope: string | undefined): Promise<ResourceRef> {
  if (!name) throw new ValidationError(`query.name: required (the ${kind} to run)`, { field: 'query.name' });
  assertSegment(name, 'query.name');
  if (scope) assertSegment(scope, 'query.scope');
  return resolveDesiredRef(store, kind, name, scope);
}

export async function requireManifest<Spec = Record<string, unknown>>(store: Store, ref: ResourceRef): Promise<Manifest<Spec>> {
  const manifest = await store.getJSON<Manifest<Spec>>(keys.desired(ref));
  if (!manifest) throw new NotFoundError(`${ref.kind}/${appId(ref.scope, ref.name)} not found — apply it first`);
  return manifest;
}
