/** The deployment a `/releases/run` query names, checked before anything streams (400 / 404). */
import { ValidationError } from '../../lib/errors.js';
import { assertSegment, type ResourceRef } from '../../lib/identity.js';
import { resolveDesiredRef } from '../../lib/desired-ref.js';
import type { ApiRequest } from '../api/contract.js';
import type { Store } from '../store/contract.js';

/** A missing scope is resolved when exactly one deployment has the name. */
export async function targetOf(store: Store, req: ApiRequest): Promise<ResourceRef> {
  const name = req.query.name;
  if (!name) throw new ValidationError('query.name: required (the deployment whose release to run)', { field: 'query.name' });
  assertSegment(name, 'query.name');
  const scope = req.query.scope || undefined;
  if (scope !== undefined) assertSegment(scope, 'query.scope');
  return resolveDesiredRef(store, 'deployment', name, scope);
}
