/**
 * Read-modify-write of one JSON key, guarded by its mod revision so two
 * writers (a reconcile and the reconciler's outcome record, a freeze and an
 * unfreeze) never undo each other: the loser re-reads and applies again.
 */
import { ConflictError } from '../../lib/errors.js';
import type { Store } from '../store/contract.js';

const ATTEMPTS = 10;

/**
 * `change` maps the current value (undefined when absent or not an object)
 * to the next one; `undefined` deletes the key. Returns what was written.
 */
export async function casJSON<T extends object>(
  store: Store,
  key: string,
  change: (current: T | undefined) => T | undefined,
): Promise<T | undefined> {
  for (let i = 0; i < ATTEMPTS; i++) {
    const kv = await store.get(key);
    let current: T | undefined;
    if (kv) {
      try {
        const parsed: unknown = JSON.parse(kv.value);
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) current = parsed as T;
      } catch {
        // not JSON: replaced by what the change makes of nothing
      }
    }
    const next = change(current);
    const guard = kv
      ? { key, target: 'mod' as const, op: '==' as const, value: kv.modRevision }
      : { key, target: 'create' as const, op: '==' as const, value: 0 };
    if (next === undefined && !kv) return undefined;
    const res = await store.txn({
      compare: [guard],
      success: [next === undefined ? { op: 'delete', key } : { op: 'put', key, value: JSON.stringify(next) }],
    });
    if (res.succeeded) return next;
  }
  throw new ConflictError(`${key} kept changing under a concurrent writer; try again`);
}
