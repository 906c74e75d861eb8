/** The deployment a `/releases/run` query names, checked before anything streams (400 / 404). */
import { NotFoundError, ValidationError, assertSegment, keys, parseDesiredKey, type ResourceRef } from '../../kernel/index.js';
import type { ApiRequest } from '../api/contract.js';
import type { Store } from '../store/contract.js';

/** A missing scope is resolved when exactly one deployment has the name. */
export async function targetOf(store: Store, req: ApiRequest): Promise<ResourceRef> {
  const name = req.query.name;
  if (!name) throw new ValidationError('query.name: required (the deployment whose release to run)', { field: 'query.name' });
  assertSegment(name, 'query.name');
  const scope = req.query.scope || undefined;
  if (scope !== undefined) {
    assertSegment(scope, 'query.scope');
    const ref = { kind: 'deployment', scope, name };
    if (!(await store.get(keys.desired(ref)))) throw new NotFoundError(`deployment ${scope}/${name} not found — apply it first`);
    return ref;
  }
  const found = (await store.list(keys.desiredKind('deployment'))).items
    .map((kv) => parseDesiredKey(kv.key))
    .filter((r): r is ResourceRef => r?.name === name);
  if (!found.length) throw new NotFoundError(`deployment ${name} not found — apply it first`);
  if (found.length > 1) {
    throw new ValidationError(`deployment ${name} is ambiguous: ${found.map((r) => `${r.scope}/${r.name}`).join(', ')}; pass scope= to choose`, {
      field: 'query.scope',
    });
  }
  return found[0]!;
}

export function forceOf(req: ApiRequest): boolean {
  const v = req.query.force;
  if (v === undefined || v === '' || v === 'false' || v === '0') return false;
  if (v === 'true' || v === '1') return true;
  throw new ValidationError(`query.force: ${JSON.stringify(v)} is not a boolean; use true or false`, { field: 'query.force' });
}
