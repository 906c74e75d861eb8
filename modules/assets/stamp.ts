/**
 * Asset digest stamping: every consumer in the batch
 * gets `spec._asset_digests` = the sha256 of each asset file it references,
 * so a content change changes the consumer's spec (and so its spec hash)
 * while unchanged content leaves it byte-identical.
 */
import { ValidationError } from '../../lib/errors.js';
import { formatRef, keys, refOf, type Manifest } from '../../lib/identity.js';
import type { Store } from '../store/contract.js';
import type { AssetStatus } from './contract.js';
import type { KindRegistry } from '../../lib/manifest/kind-registry.js';
import { collectRefs, digestKey, type FoundRef } from './refs.js';

/**
 * Stamped for a declared key that has no content right now (on_failure =
 * "skip" after a failed fetch). Not a digest, so the consumer's spec changes
 * again once the file appears.
 */
export const UNAVAILABLE = 'unavailable';

/** One asset of the batch, as computed in memory. */
export interface BatchAsset {
  declared: ReadonlySet<string>;
  /** key → sha256, for keys with content. */
  digests: ReadonlyMap<string, string>;
}

/** `scope/name` ('' scope for unscoped): how batch assets are looked up. */
export function assetId(scope: string, name: string): string {
  return `${scope}/${name}`;
}

/** Stamps `_asset_digests` on every workload of the batch (the kinds whose containers can reference assets). */
export async function stampConsumers(manifests: Manifest[], batchAssets: ReadonlyMap<string, BatchAsset>, store: Store, kinds: KindRegistry): Promise<void> {
  const lookup = new StoredAssets(store);
  for (const m of manifests) {
    if (!kinds.is(m.kind, 'workload')) continue;
    const spec = m.spec as unknown;
    if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) continue; // the validate stage names that
    const s = spec as Record<string, unknown>;
    delete s['_asset_digests'];
    const label = formatRef(refOf(m));
    const digests: Record<string, string> = {};
    for (const found of collectRefs(kinds.get(m.kind)?.containerAt, s, label)) {
      const resolved = await resolve(found, m.scope ?? '', batchAssets, lookup, label);
      digests[digestKey(resolved.scope, resolved.name, found.ref.key)] = resolved.digest;
    }
    const names = Object.keys(digests).sort();
    if (names.length) s['_asset_digests'] = Object.fromEntries(names.map((k) => [k, digests[k]!]));
  }
}

async function resolve(
  found: FoundRef,
  callerScope: string,
  batch: ReadonlyMap<string, BatchAsset>,
  lookup: StoredAssets,
  label: string,
): Promise<{ scope: string; name: string; digest: string }> {
  const { ref, field } = found;
  const exists = async (scope: string) => batch.has(assetId(scope, ref.name)) || (await lookup.exists(scope, ref.name));
  // Two segments: the caller's own scope's asset when it exists, else the unscoped one.
  const scope = ref.scope ?? (callerScope && (await exists(callerScope)) ? callerScope : '');
  let digest: string | undefined;
  const inBatch = batch.get(assetId(scope, ref.name));
  if (inBatch) {
    if (inBatch.declared.has(ref.key)) digest = inBatch.digests.get(ref.key) ?? UNAVAILABLE;
  } else if (await exists(scope)) {
    const status = await lookup.status(scope, ref.name);
    digest = status?.files?.[ref.key] || (status?.errors?.[ref.key] ? UNAVAILABLE : undefined);
  }
  if (digest === undefined) {
    const shown = ref.text.startsWith('${') ? ref.text : `\${asset.${ref.text}}`;
    const asset = ref.scope ? `${ref.scope}/${ref.name}` : ref.name;
    throw new ValidationError(
      `unresolved asset reference "${shown}" in ${label} (field ${field}): no asset "${asset}" with key "${ref.key}" in this apply or on the controller`,
      { field },
    );
  }
  return { scope, name: ref.name, digest };
}

/** Stored assets and their status, each read at most once per apply. */
class StoredAssets {
  readonly #store: Store;
  readonly #exists = new Map<string, Promise<boolean>>();
  readonly #status = new Map<string, Promise<AssetStatus | undefined>>();

  constructor(store: Store) {
    this.#store = store;
  }

  exists(scope: string, name: string): Promise<boolean> {
    const id = assetId(scope, name);
    let p = this.#exists.get(id);
    if (!p) {
      p = this.#store.get(keys.desired({ kind: 'asset', scope, name })).then((kv) => kv !== undefined);
      this.#exists.set(id, p);
    }
    return p;
  }

  status(scope: string, name: string): Promise<AssetStatus | undefined> {
    const id = assetId(scope, name);
    let p = this.#status.get(id);
    if (!p) {
      p = this.#store.getJSON<AssetStatus>(keys.status('asset', scope, name));
      this.#status.set(id, p);
    }
    return p;
  }
}
