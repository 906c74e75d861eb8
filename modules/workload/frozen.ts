/** Frozen replicas: `/frozen/<kind>s/<scope>/<name>` = `{replica_ids}` sorted; empty deletes the key. */
import { keys } from '../../lib/identity.js';
import type { Store } from '../store/contract.js';
import { casJSON } from './cas.js';
import type { FrozenSets } from './contract.js';

interface Frozen {
  replica_ids?: string[];
}

const idsOf = (f: Frozen | undefined) => (Array.isArray(f?.replica_ids) ? f.replica_ids.filter((x) => typeof x === 'string') : []);
const valueOf = (ids: Iterable<string>): Frozen | undefined => {
  const sorted = [...new Set(ids)].sort();
  return sorted.length ? { replica_ids: sorted } : undefined;
};

export function createFrozenSets(store: Store): FrozenSets {
  return {
    async get(ref) {
      return new Set(idsOf(await store.getJSON<Frozen>(keys.frozen(ref)).catch(() => undefined)));
    },
    async add(ref, replicaId) {
      await casJSON<Frozen>(store, keys.frozen(ref), (cur) => valueOf([...idsOf(cur), replicaId]));
    },
    async remove(ref, replicaId) {
      let had = false;
      await casJSON<Frozen>(store, keys.frozen(ref), (cur) => {
        const ids = idsOf(cur);
        had = ids.includes(replicaId);
        return valueOf(ids.filter((id) => id !== replicaId));
      });
      return had;
    },
    async clear(ref) {
      const ids = idsOf(await store.getJSON<Frozen>(keys.frozen(ref)).catch(() => undefined));
      if (ids.length) await store.delete(keys.frozen(ref));
      return ids;
    },
  };
}
