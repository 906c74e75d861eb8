/**
 * The `pods` service: voodu's containers joined with what the store says
 * about them (frozen? still wanted?). One list call, then one inspect per
 * container for its start time and one read per owning resource, all in
 * parallel with a cap so a crowded host does not flood the engine.
 */
import { formatRef, keys, type ResourceRef } from '../../lib/identity.js';
import type { ContainerDetails, Runtime } from '../runtime/contract.js';
import type { Store } from '../store/contract.js';
import type { Pod, PodFilter, Pods } from './contract.js';
import { frozenIds } from './freeze.js';
import { LABEL, labelFilter, labelledRef, ownerOf, podOf } from './identity.js';

const PARALLEL = 8;

/** `fn` over `items`, at most `limit` at a time, results in input order. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export function createPods(runtime: Runtime, store: Store): Pods {
  return {
    async list(filter: PodFilter = {}): Promise<Pod[]> {
      const containers = (await runtime.list(labelFilter(filter))).sort((a, b) => a.name.localeCompare(b.name));
      const details = await mapLimit(containers, PARALLEL, (c) => runtime.inspect(c.id));
      // Removed between the list and the inspect: gone, so not listed.
      return toPods(store, details.filter((d): d is ContainerDetails => d !== undefined));
    },

    async volumes(ref: ResourceRef): Promise<string[]> {
      const found = await runtime.listVolumes({
        [LABEL.createdBy]: 'voodu',
        [LABEL.kind]: 'statefulset',
        [LABEL.scope]: ref.scope,
        [LABEL.name]: ref.name,
      });
      return found.map((v) => v.name).sort();
    },
  };
}

/** Containers → pods, with one store read per owning resource for `frozen` and `orphan`. */
export async function toPods(store: Store, containers: ContainerDetails[]): Promise<Pod[]> {
  const owners = new Map<string, ResourceRef>();
  for (const c of containers) {
    const owner = ownerOf(c);
    if (owner) owners.set(formatRef(owner), owner);
  }
  const facts = await mapLimit([...owners.entries()], PARALLEL, async ([id, ref]) => {
    const [desired, frozen] = await Promise.all([store.get(keys.desired(ref)), frozenIds(store, ref)]);
    return [id, { exists: desired !== undefined, frozen }] as const;
  });
  const byOwner = new Map(facts);
  return containers.map((c) => {
    const owner = ownerOf(c);
    const fact = owner ? byOwner.get(formatRef(owner)) : undefined;
    // Only a resource's own replicas sit on its frozen list, not its init or release containers.
    const replica = owner !== undefined && sameRef(owner, labelledRef(c)) && (c.labels[LABEL.role] || owner.kind) === owner.kind;
    return podOf(c, {
      details: c,
      frozen: Boolean(replica && fact?.frozen.includes(c.labels[LABEL.replicaId] ?? '')),
      orphan: fact ? !fact.exists : false,
    });
  });
}

const sameRef = (a: ResourceRef, b: ResourceRef | undefined) => b !== undefined && formatRef(a) === formatRef(b);
