/**
 * The one write of an apply: every manifest put and every
 * pruned sibling deleted in a single etcd transaction, guarded by the
 * revisions that were read, so a concurrent change makes it retry instead
 * of overwriting what it did not see. A manifest identical to the stored one
 * (same spec, same producer) is not written at all: no revision moves, so
 * nothing is reconciled and no container is looked at — a re-apply of an
 * unchanged stack costs a few reads.
 */
import { ConflictError, ValidationError } from '../../lib/errors.js';
import { formatRef, keys, parseDesiredKey, refOf, type Manifest, type ResourceRef } from '../../lib/identity.js';
import type { Compare, KeyValue, Store, TxnOp } from '../store/contract.js';
import { sameJson } from '../../lib/canonical-json.js';
import { manifestOf } from './desired.js';

export interface CommitPlan {
  /** What each manifest replaces (undefined = new), index-aligned with the batch. */
  current: (Manifest | undefined)[];
  /** Manifests as they will be stored (an unchanged one: as it is stored). */
  applied: Manifest[];
  /** Index-aligned with the batch: true when the stored manifest already says exactly this. */
  unchanged: boolean[];
  /** The store revision the plan read at: the answer's revision when nothing is written. */
  readRevision: number;
  pruned: ResourceRef[];
  compares: Compare[];
  ops: TxnOp[];
}

/** Reads what the batch touches and builds the guarded transaction. */
/**
 * `prunable`: kinds whose siblings `prune` removes, per (kind, scope) present
 * in the batch (the kind registry's `prunable` role).
 */
export async function planCommit(store: Store, batch: Manifest[], prune: boolean, prunable: readonly string[], now = new Date()): Promise<CommitPlan> {
  const compares: Compare[] = [];
  const ops: TxnOp[] = [];
  const stamp = now.toISOString();
  const listed = new Map<string, KeyValue[]>();

  // One range read per (kind, scope) instead of one get per manifest: batches share a few prefixes.
  const stored = new Map<string, KeyValue>();
  const prefixOf = (m: Manifest) => (m.scope ? `${keys.desiredKind(m.kind)}${m.scope}/` : keys.desiredKind(m.kind));
  const prefixes = [...new Set(batch.map(prefixOf))];
  const lists = await Promise.all(prefixes.map((p) => store.list(p)));
  lists.forEach((list, i) => {
    for (const kv of list.items) stored.set(kv.key, kv);
    listed.set(prefixes[i]!, list.items);
  });
  const kvs = batch.map((m) => stored.get(keys.desired(refOf(m))));
  const current = kvs.map((kv) => (kv ? manifestOf(kv) : undefined));
  const unchanged = batch.map((m, i) => {
    const cur = current[i];
    return cur !== undefined && (cur.metadata?.produced_by ?? '') === (m.metadata?.produced_by ?? '') && sameJson(cur.spec, m.spec);
  });
  const applied = batch.map((m, i) => {
    const kv = kvs[i];
    const key = keys.desired(refOf(m));
    compares.push(kv ? { key, target: 'mod', op: '==', value: kv.modRevision } : { key, target: 'create', op: '==', value: 0 });
    if (unchanged[i]) return current[i]!;
    const stored: Manifest = {
      kind: m.kind,
      ...(m.scope ? { scope: m.scope } : {}),
      name: m.name,
      spec: m.spec,
      metadata: {
        ...(m.metadata?.produced_by ? { produced_by: m.metadata.produced_by } : {}),
        created_at: current[i]?.metadata?.created_at ?? stamp,
        updated_at: stamp,
      },
    };
    ops.push({ op: 'put', key, value: JSON.stringify(stored) });
    return stored;
  });

  const pruned: ResourceRef[] = [];
  if (prune) {
    const keep = new Set(batch.map((m) => keys.desired(refOf(m))));
    const groups = new Set(batch.filter((m) => prunable.includes(m.kind) && m.scope).map((m) => `${m.kind}\u0000${m.scope}`));
    for (const group of groups) {
      const [kind, scope] = group.split('\u0000') as [string, string];
      const prefix = `${keys.desiredKind(kind)}${scope}/`;
      const items = listed.get(prefix) ?? (await store.list(prefix)).items;
      for (const kv of items) {
        const ref = parseDesiredKey(kv.key);
        if (!ref || keep.has(kv.key) || ref.scope !== scope) continue;
        compares.push({ key: kv.key, target: 'mod', op: '==', value: kv.modRevision });
        ops.push({ op: 'delete', key: kv.key });
        pruned.push(ref);
      }
    }
  }
  const readRevision = Math.max(0, ...lists.map((l) => l.revision));
  return { current, applied, unchanged, readRevision, pruned, compares, ops };
}

/** Commits the plan; re-plans and retries when another writer got there first. */
export async function commit(store: Store, batch: Manifest[], prune: boolean, prunable: readonly string[], attempts = 3): Promise<CommitPlan & { revision: number }> {
  for (let attempt = 1; ; attempt++) {
    const plan = await planCommit(store, batch, prune, prunable);
    // Nothing to write: not even a transaction (its compares guard writes, and there are none).
    if (plan.ops.length === 0) return { ...plan, revision: plan.readRevision };
    let result;
    try {
      result = await store.txn({ compare: plan.compares, success: plan.ops });
    } catch (err) {
      if (/too many operations/i.test(String((err as Error).message))) {
        throw new ValidationError(
          `this apply needs ${plan.ops.length} writes in one transaction, more than the store accepts; apply the manifests in smaller groups`,
        );
      }
      throw err;
    }
    if (result.succeeded) return { ...plan, revision: result.revision };
    if (attempt >= attempts) {
      throw new ConflictError(
        `desired state kept changing while applying ${batch.map((m) => formatRef(refOf(m))).slice(0, 3).join(', ')}${batch.length > 3 ? ', …' : ''}; retry the apply`,
      );
    }
  }
}
