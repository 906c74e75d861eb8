/**
 * Reading desired state back: manifests under `/desired/`, with the etcd
 * revision filled into `metadata.revision`.
 */
import { keys, type Manifest, type ResourceRef } from '../../lib/identity.js';
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

