/**
 * What config needs from the stored workload manifests: their `env` (the
 * lowest layer of the env file) and an unchanged re-put (the fan-out that
 * turns a config change into a reconcile, spec core.md §4.9).
 */
import { type Logger } from '../../kernel/index.js';
import { keys, parseDesiredKey, type Manifest, type ResourceRef } from '../../lib/identity.js';
import type { KeyValue, Store } from '../store/contract.js';
import { bucketLabel } from './buckets.js';
import { assertApp, assertBucket } from './validate.js';

/** Kinds whose containers read the app's env file, in the order their `env` is looked up. */
export const CONFIG_KINDS = ['deployment', 'statefulset', 'job', 'cronjob'] as const;

/** The `env` of a workload manifest: `spec.env`, or `spec.job.env` for a cronjob. */
export function envOf(manifest: Manifest): Record<string, unknown> {
  const spec = (manifest.spec ?? {}) as Record<string, unknown>;
  const holder = manifest.kind === 'cronjob' ? spec.job : spec;
  const env = isObject(holder) ? holder.env : undefined;
  return isObject(env) ? env : {};
}

/**
 * The env of the first stored workload at (scope, name). Workloads sharing
 * an identity share one AppID and so one env file; the first kind in
 * CONFIG_KINDS order decides, as the reconcilers of those kinds would clash anyway.
 */
export async function storedManifestEnv(store: Store, scope: string, name: string): Promise<Record<string, unknown>> {
  assertApp(scope, name);
  for (const kind of CONFIG_KINDS) {
    const kv = await store.get(keys.desired({ kind, scope, name }));
    if (!kv) continue;
    try {
      return envOf(JSON.parse(kv.value) as Manifest);
    } catch {
      continue; // not ours to repair; the reconciler reports a broken manifest
    }
  }
  return {};
}

export async function fanOut(store: Store, log: Logger, scope: string, name?: string): Promise<ResourceRef[]> {
  assertBucket(scope, name);
  const found: KeyValue[] = [];
  for (const kind of CONFIG_KINDS) {
    if (name) {
      const kv = await store.get(keys.desired({ kind, scope, name }));
      if (kv) found.push(kv);
    } else {
      found.push(...(await store.list(`${keys.desiredKind(kind)}${scope}/`)).items);
    }
  }
  const touched: ResourceRef[] = [];
  await Promise.all(
    found.map(async (kv) => {
      if (await reput(store, kv)) {
        const ref = parseDesiredKey(kv.key);
        if (ref) touched.push(ref);
      }
    }),
  );
  touched.sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
  if (touched.length) {
    log.info(`config ${bucketLabel(scope, name)}: re-put ${touched.map((r) => `${r.kind}/${r.scope}/${r.name}`).join(', ')}`);
  }
  return touched;
}

/**
 * Puts the value back only if nobody wrote the key since we read it: a
 * concurrent apply already made a new revision (the watch fires anyway), and
 * our stale copy must not undo it. False when the manifest was deleted meanwhile.
 */
async function reput(store: Store, kv: KeyValue): Promise<boolean> {
  const { succeeded } = await store.txn({
    compare: [{ key: kv.key, target: 'mod', op: '==', value: kv.modRevision }],
    success: [{ op: 'put', key: kv.key, value: kv.value }],
  });
  return succeeded || (await store.get(kv.key)) !== undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
