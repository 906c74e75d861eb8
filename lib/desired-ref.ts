/**
 * Which stored resource a request names: `scope` given → that one, which
 * must exist; no scope → the one resource of the kind with that name, in
 * whatever scope (several → a 400 asking for scope=). One rule for every
 * route that takes `?name=[&scope=]`.
 */
import { NotFoundError, ValidationError } from './errors.js';
import { appId, keys, parseDesiredKey, type ResourceRef } from './identity.js';

/** The part of the store service this needs (structural, so lib/ imports no module). */
export interface DesiredReader {
  get(key: string): Promise<unknown>;
  list(prefix: string): Promise<{ items: { key: string }[] }>;
}

export async function resolveDesiredRef(store: DesiredReader, kind: string, name: string, scope?: string): Promise<ResourceRef> {
  if (scope !== undefined && scope !== '') {
    const ref = { kind, scope, name };
    if (!(await store.get(keys.desired(ref)))) throw new NotFoundError(`${kind}/${appId(scope, name)} not found — apply it first`);
    return ref;
  }
  const { items } = await store.list(keys.desiredKind(kind));
  const matches = items.map((kv) => parseDesiredKey(kv.key)).filter((r): r is ResourceRef => r?.name === name);
  if (matches.length === 0) throw new NotFoundError(`${kind} "${name}" not found in any scope — apply it first`);
  if (matches.length > 1) {
    throw new ValidationError(`${kind} "${name}" exists in scopes ${matches.map((m) => m.scope || '(unscoped)').join(', ')}; pass scope= to choose one`, {
      field: 'query.scope',
    });
  }
  return matches[0]!;
}
