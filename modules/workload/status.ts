/** `/status/<kind>s/<appId>`: the status blob, patched field by field. */
import { keys, type ResourceRef } from '../../lib/identity.js';
import type { Store } from '../store/contract.js';
import { casJSON } from './cas.js';
import type { StatusStore, WorkloadStatus } from './contract.js';

export function createStatusStore(store: Store): StatusStore {
  const keyOf = (ref: ResourceRef) => keys.status(ref.kind, ref.scope, ref.name);
  return {
    async read(ref) {
      const value = await store.getJSON<unknown>(keyOf(ref)).catch(() => undefined);
      return value && typeof value === 'object' && !Array.isArray(value) ? (value as WorkloadStatus) : {};
    },
    async patch(ref, change) {
      const written = await casJSON<WorkloadStatus>(store, keyOf(ref), (cur) => {
        const base = cur ?? {};
        const fields = typeof change === 'function' ? change(base) : change;
        const next: WorkloadStatus = { ...base };
        for (const [k, v] of Object.entries(fields)) {
          if (v === undefined) delete next[k];
          else next[k] = v;
        }
        return next;
      });
      return written ?? {};
    },
    async clear(ref) {
      await store.delete(keyOf(ref));
    },
  };
}
