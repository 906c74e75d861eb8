/**
 * Turns a stored asset manifest into files under `$VOODU_ROOT/assets` and a
 * status under `/status/assets/<appId>`, and undoes it on delete (scope is
 * part of an asset's identity, so a scoped asset's directory and status
 * really go; docs/names.md).
 */
import { NotFoundError, TransientError } from '../../lib/errors.js';
import { keys, type Manifest } from '../../lib/identity.js';
import type { Paths } from '../paths/contract.js';
import type { Store } from '../store/contract.js';
import type { AssetStatus } from './contract.js';
import { computeContents, hasContent } from './content.js';
import { sha256Hex } from './digest.js';
import { assetDirectory, digestsOnDisk, readKeyFile, removeAssetDirectory, sweep, writeKeyFile } from './disk.js';
import { KeyedLock } from '../../lib/keyed-lock.js';
import { parseAsset, type ParsedAsset } from './parse.js';
import { assetId } from './stamp.js';

export interface MaterialiserDeps {
  store: Store;
  paths: Paths;
  maxUrlBytes: number;
}

export class Materialiser {
  readonly #deps: MaterialiserDeps;
  readonly #lock = new KeyedLock();

  constructor(deps: MaterialiserDeps) {
    this.#deps = deps;
  }

  /** Writes the asset's files and status. TransientError when no key could be had at all. */
  materialise(manifest: Manifest): Promise<AssetStatus> {
    const asset = parseAsset(manifest);
    return this.#lock.run(assetId(asset.scope, asset.name), () => this.#materialise(asset));
  }

  /** Removes the asset's directory and status; a no-op for what is already gone. */
  remove(scope: string, name: string): Promise<void> {
    return this.#lock.run(assetId(scope, name), async () => {
      await removeAssetDirectory(this.#deps.paths, scope, name);
      await this.#deps.store.delete(keys.status('asset', scope, name));
    });
  }

  status(scope: string, name: string): Promise<AssetStatus | undefined> {
    return this.#deps.store.getJSON<AssetStatus>(keys.status('asset', scope, name));
  }

  /** Materialises from the stored manifest unless disk and status already agree with it. */
  ensure(scope: string, name: string): Promise<AssetStatus> {
    return this.#lock.run(assetId(scope, name), async () => {
      const manifest = await this.#deps.store.getJSON<Manifest>(keys.desired({ kind: 'asset', scope, name }));
      if (!manifest) throw new NotFoundError(`asset ${scope ? `${scope}/${name}` : name} is not stored on the controller`);
      const asset = parseAsset({ ...manifest, scope, name });
      const status = await this.status(scope, name);
      if (status && (await this.#upToDate(asset, status))) return status;
      return this.#materialise(asset);
    });
  }

  async #materialise(asset: ParsedAsset): Promise<AssetStatus> {
    const { paths, store, maxUrlBytes } = this.#deps;
    const existing = await assetDirectory(paths, asset.scope, asset.name, false);
    const outcomes = await computeContents(asset, {
      cacheDir: paths.cache,
      maxBytes: maxUrlBytes,
      writeCache: true,
      onDisk: async (key) => (existing ? readKeyFile(existing, key) : undefined),
      phase: 'reconcile',
      fatal: (message) => new TransientError(message),
    });

    const dir = (await assetDirectory(paths, asset.scope, asset.name, true))!;
    const files: Record<string, string> = {};
    const errors: Record<string, string> = {};
    for (const o of outcomes) {
      if (hasContent(o)) {
        await writeKeyFile(dir, o.key, o.bytes, o.sha256);
        files[o.key] = o.sha256;
      }
      if ('error' in o) errors[o.key] = o.error;
    }
    // Undeclared keys, and skipped or failed keys' old files, must not linger for consumers to read.
    await sweep(dir, new Set(Object.keys(files)));

    const status: AssetStatus = { files, errors, materialised_at: new Date().toISOString() };
    await store.putJSON(keys.status('asset', asset.scope, asset.name), status);
    if (asset.files.length > 0 && Object.keys(files).length === 0) {
      throw new TransientError(`${asset.label}: no key could be materialised: ${Object.values(errors).join('; ')}`);
    }
    return status;
  }

  /**
   * Disk matches status, status covers every declared key, and inline/file
   * keys match the manifest. url keys are trusted to the last fetch (a
   * consumer starting a container should not refetch), and keys that failed
   * stay failed until the next reconcile retries them.
   */
  async #upToDate(asset: ParsedAsset, status: AssetStatus): Promise<boolean> {
    const files = status.files ?? {};
    const errors = status.errors ?? {};
    const declared = new Set(asset.files.map((f) => f.key));
    if (Object.keys(files).some((k) => !declared.has(k))) return false;
    const dir = await assetDirectory(this.#deps.paths, asset.scope, asset.name, false);
    const onDisk = await digestsOnDisk(dir, Object.keys(files));
    for (const { key, source } of asset.files) {
      if (files[key] === undefined) {
        if (errors[key] === undefined) return false;
        continue;
      }
      if (onDisk[key] !== files[key]) return false;
      if (source.type !== 'url' && sha256Hex(source.bytes) !== files[key]) return false;
    }
    return true;
  }
}
