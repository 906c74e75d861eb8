/**
 * The frozen list of a resource: `/frozen/<kind>s/<scope>/<name>`
 * holding `{"replica_ids":[…]}`, sorted and without repeats; an empty list
 * deletes the key. Changes are compare-and-swap on the key's revision, so
 * two stops at once never lose one another's replica.
 */
import { TransientError } from '../../lib/errors.js';
import { keys, type ResourceRef } from '../../lib/identity.js';
import type { KeyValue, Store } from '../store/contract.js';

const ATTEMPTS = 5;

function idsOf(kv: KeyValue | undefined): string[] {
  if (!kv) return [];
  try {
    const ids = (JSON.parse(kv.value) as { replica_ids?: unknown }).replica_ids;
    return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
  } catch {
    return []; // a corrupt list freezes nothing; the next change rewrites it whole
  }
}

export async function frozenIds(store: Store, ref: ResourceRef): Promise<string[]> {
  return idsOf(await store.get(keys.frozen(ref)));
}

/** Adds `id`; true when it was not frozen before. */
export function freeze(store: Store, ref: ResourceRef, id: string): Promise<boolean> {
  return change(store, ref, (ids) => (ids.includes(id) ? undefined : [...ids, id]));
}

/** Removes `id`; true when it was frozen. */
export function unfreeze(store: Store, ref: ResourceRef, id: string): Promise<boolean> {
  return change(store, ref, (ids) => (ids.includes(id) ? ids.filter((x) => x !== id) : undefined));
}

/** `edit` answers the new list, or undefined for "nothing to change". */
async function change(store: Store, ref: ResourceRef, edit: (ids: string[]) => string[] | undefined): Promise<boolean> {
  const key = keys.frozen(ref);
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const kv = await store.get(key);
    const next = edit(idsOf(kv));
    if (!next) return false;
    const ids = [...new Set(next)].sort();
    const { succeeded } = await store.txn({
      // A missing key has mod revision 0, so this also guards "create if still absent".
      compare: [{ key, target: 'mod', op: '==', value: kv?.modRevision ?? 0 }],
      success: [ids.length ? { op: 'put', key, value: JSON.stringify({ replica_ids: ids }) } : { op: 'delete', key }],
    });
    if (succeeded) return true;
  }
  throw new TransientError(`the frozen list ${key} kept changing under us (${ATTEMPTS} attempts); retry`);
}
