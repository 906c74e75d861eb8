/**
 * Reading desired state back: manifests under `/desired/`, with the etcd
 * revision filled into `metadata.revision`, and the scope auto-resolution
 * the delete and describe endpoints share.
 */
import { NotFoundError, ValidationError, keys, parseDesiredKey, type Manifest, type ResourceRef } from '../../kernel/index.js';
import type { KeyValue, Store } from '../store/contract.js';

export function manifestOf(kv: KeyValue): Manifest | undefined {
  try {
    const m = JSON.parse(kv.value) as Manifest;
    return { ...m, metadata: { ...m.metadata, revision: kv.modRevision } };
  } catch {
    return undefined; // not ours to fail on: a corrupt key is reported by the reconciler
  }
}

export async function listManifests(store: Store, kind?: string): Promise<Manifest[]> {
  const { items } = await store.list(kind ? keys.desiredKind(kind) : keys.desiredRoot);
  return items.map(manifestOf).filter((m): m is Manifest => m !== undefined);
}

export async function getManifest(store: Store, ref: ResourceRef): Promise<Manifest | undefined> {
  const kv = await store.get(keys.desired(ref));
  return kv ? manifestOf(kv) : undefined;
}

/**
 * Finds the one stored resource of `kind` called `name`. With a scope it is
 * that one; without, the name must be unique across scopes.
 */
export async function resolveRef(store: Store, kind: string, name: string, scope?: string): Promise<ResourceRef> {
  if (scope !== undefined && scope !== '') {
    const ref = { kind, scope, name };
    if (!(await store.get(keys.desired(ref)))) throw new NotFoundError(`${kind}/${scope}/${name} not found`);
    return ref;
  }
  const { items } = await store.list(keys.desiredKind(kind));
  const matches = items.map((kv) => parseDesiredKey(kv.key)).filter((r): r is ResourceRef => r?.name === name);
  if (matches.length === 0) throw new NotFoundError(`${kind} "${name}" not found in any scope`);
  if (matches.length > 1) {
    throw new ValidationError(
      `${kind} "${name}" exists in scopes ${matches.map((m) => m.scope || '(unscoped)').join(', ')}; pass scope= to choose one`,
      { field: 'scope' },
    );
  }
  return matches[0]!;
}
