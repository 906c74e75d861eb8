/**
 * What config needs from the stored workload manifests (the kinds with the
 * registry's `workload` role): their `env` (the lowest layer of the env
 * file) and an unchanged re-put, the fan-out that turns a config change into
 * a reconcile of every workload reading that env (docs/config.md).
 */
import { type Logger } from '../../kernel/index.js';
import { keys, parseDesiredKey, type Manifest, type ResourceRef } from '../../lib/identity.js';
import type { KindRegistry } from '../../lib/manifest/kind-registry.js';
import type { KeyValue, Store } from '../store/contract.js';
import { bucketLabel } from './buckets.js';
import { assertApp, assertBucket } from './validate.js';

/** The `env` of a workload manifest: its container fields' `env` (`spec.job.env` for a cronjob). */
export function envOf(kinds: KindRegistry, manifest: Manifest): Record<string, unknown> {
  const env = kinds.containerSpec(manifest.kind, manifest.spec as Record<string, unknown> | undefined)?.env;
  return isObject(env) ? env : {};
}

/**
 * The env of the first stored workload at (scope, name). Workloads sharing
 * an identity share one AppID and so one env file; the first workload kind
 * in registry order decides, as the reconcilers of those kinds would clash anyway.
 */
export async function storedManifestEnv(store: Store, kinds: KindRegistry, scope: string, name: string): Promise<Record<string, unknown>> {
  assertApp(scope, name);
  for (const kind of kinds.withRole('workload')) {
    const kv = await store.get(keys.desired({ kind, scope, name }));
    if (!kv) continue;
    try {
      return envOf(kinds, JSON.parse(kv.value) as Manifest);
    } catch {
      continue; // not ours to repair; the reconciler reports a broken manifest
    }
  }
  return {};
}

export async function fanOut(store: Store, kinds: KindRegistry, log: Logger, scope: string, name?: string): Promise<ResourceRef[]> {
  assertBucket(scope, name);
  const found: KeyValue[] = [];
  for (const kind of kinds.withRole('workload')) {
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
