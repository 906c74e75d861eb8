/**
 * Reading and re-writing stored deployment manifests: which ones the
 * autoscaler drives, and the one field it ever changes. The write is a
 * compare-and-swap on the revision the decision was made from, so an apply
 * that landed meanwhile wins and the next evaluation judges its manifest.
 */
import { parseDesiredKey, type ResourceRef } from '../../lib/identity.js';
import type { KeyValue, Store } from '../store/contract.js';
import { boundsOf, type Bounds } from './decide.js';

export interface Target {
  ref: ResourceRef;
  /** The stored key as listed: its value and mod revision guard the write. */
  kv: KeyValue;
  bounds: Bounds;
  /** `spec.replicas` as stored (undefined when absent). */
  replicas: number | undefined;
}

function specOf(value: string): Record<string, unknown> | undefined {
  try {
    const m = JSON.parse(value) as { spec?: unknown };
    return m && typeof m === 'object' && m.spec && typeof m.spec === 'object' && !Array.isArray(m.spec) ? (m.spec as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The stored count of a deployment manifest, when it has a usable one. */
export function storedReplicas(value: string): number | undefined {
  const r = specOf(value)?.['replicas'];
  return typeof r === 'number' && Number.isInteger(r) && r >= 1 ? r : undefined;
}

/** Deployments under /desired/deployments/ with a usable `autoscale {}`; everything else is not ours. */
export function autoscaledTargets(items: KeyValue[]): Target[] {
  const out: Target[] = [];
  for (const kv of items) {
    const ref = parseDesiredKey(kv.key);
    if (ref?.kind !== 'deployment') continue;
    const spec = specOf(kv.value);
    const bounds = spec && boundsOf(spec['autoscale']);
    if (!bounds) continue;
    out.push({ ref, kv, bounds, replicas: storedReplicas(kv.value) });
  }
  return out;
}

/**
 * The stored JSON with only `spec.replicas` replaced: every other field,
 * metadata and unknown keys included, round-trips as it was.
 */
export function withReplicas(value: string, replicas: number): string | undefined {
  let m: unknown;
  try {
    m = JSON.parse(value);
  } catch {
    return undefined;
  }
  if (!m || typeof m !== 'object' || Array.isArray(m)) return undefined;
  const manifest = m as { spec?: unknown };
  if (!manifest.spec || typeof manifest.spec !== 'object' || Array.isArray(manifest.spec)) return undefined;
  return JSON.stringify({ ...manifest, spec: { ...(manifest.spec as object), replicas } });
}

export type WriteOutcome = 'written' | 'missing' | 'conflict';

/** Puts `replicas` into the manifest read as `kv`, only if the key is still at that revision. */
export async function setReplicas(store: Store, kv: KeyValue, replicas: number): Promise<WriteOutcome> {
  const next = withReplicas(kv.value, replicas);
  // Targets come from autoscaledTargets, which parsed this value already.
  if (next === undefined) throw new Error(`${kv.key}: stored manifest is not a JSON object with a spec`);
  const res = await store.txn({
    compare: [{ key: kv.key, target: 'mod', op: '==', value: kv.modRevision }],
    success: [{ op: 'put', key: kv.key, value: next }],
  });
  if (res.succeeded) return 'written';
  return (await store.get(kv.key)) ? 'conflict' : 'missing';
}
