/**
 * The `resolve` stage of an apply: validate every asset in the batch,
 * compute its content in memory, and stamp digests on the consumers. No
 * asset file and no status is written here — the reconciler materialises
 * from the stored manifest. A real apply may refresh the url cache; a dry
 * run writes nothing anywhere.
 */
import { type ApplyBatch } from '../../kernel/index.js';
import { ConflictError, ValidationError } from '../../lib/errors.js';
import { keys } from '../../lib/identity.js';
import type { Paths } from '../paths/contract.js';
import type { Store } from '../store/contract.js';
import type { KindRegistry } from '../../lib/manifest/kind-registry.js';
import { computeContents, hasContent, type KeyOutcome } from './content.js';
import { assetDirectory, readKeyFile } from './disk.js';
import { parseAsset, type ParsedAsset } from './parse.js';
import { assetId, stampConsumers, type BatchAsset } from './stamp.js';

export interface ResolveDeps {
  store: Store;
  kinds: KindRegistry;
  paths: Paths;
  maxUrlBytes: number;
}

export interface AssetReport {
  asset: string;
  files: Record<string, string>;
  errors?: Record<string, string>;
}

export async function resolveAssets(deps: ResolveDeps, batch: ApplyBatch): Promise<void> {
  const parsed = batch.manifests.filter((m) => m.kind === 'asset').map(parseAsset);
  rejectDuplicates(parsed);
  await rejectDirectoryClashes(parsed, deps.store);

  const outcomes = await Promise.all(parsed.map((asset) => contentOf(deps, asset, batch.dryRun)));
  const batchAssets = new Map<string, BatchAsset>();
  const report: AssetReport[] = [];
  parsed.forEach((asset, i) => {
    const keyOutcomes = outcomes[i]!;
    const digests = new Map<string, string>();
    const errors: Record<string, string> = {};
    for (const o of keyOutcomes) {
      if (hasContent(o)) digests.set(o.key, o.sha256);
      if ('error' in o) errors[o.key] = o.error;
    }
    batchAssets.set(assetId(asset.scope, asset.name), { declared: new Set(asset.files.map((f) => f.key)), digests });
    report.push({ asset: asset.label, files: Object.fromEntries(digests), ...(Object.keys(errors).length && { errors }) });
  });
  await stampConsumers(batch.manifests, batchAssets, deps.store, deps.kinds);
  if (report.length) batch.report['assets'] = report;
}

async function contentOf(deps: ResolveDeps, asset: ParsedAsset, dryRun: boolean): Promise<KeyOutcome[]> {
  return computeContents(asset, {
    cacheDir: deps.paths.cache,
    maxBytes: deps.maxUrlBytes,
    writeCache: !dryRun,
    // Read-only, and only when a stale fallback needs it: the directory may not exist yet (or ever, on a dry run).
    onDisk: async (key) => {
      const dir = await assetDirectory(deps.paths, asset.scope, asset.name, false);
      return dir ? readKeyFile(dir, key) : undefined;
    },
    phase: 'apply',
    fatal: (message) => new ValidationError(message),
  });
}

function rejectDuplicates(assets: ParsedAsset[]): void {
  const seen = new Set<string>();
  for (const a of assets) {
    const id = assetId(a.scope, a.name);
    if (seen.has(id)) throw new ValidationError(`${a.label} appears more than once in this apply`);
    seen.add(id);
  }
}

/**
 * `assets/<name>` (unscoped) and `assets/<scope>/<name>` share a level, so
 * an unscoped asset named like the scope of other assets would hold their
 * directories inside its own (and sweep them). Refused, naming both.
 */
async function rejectDirectoryClashes(assets: ParsedAsset[], store: Store): Promise<void> {
  const unscoped = new Set(assets.filter((a) => !a.scope).map((a) => a.name));
  const scopes = new Map(assets.filter((a) => a.scope).map((a) => [a.scope, a.label]));
  for (const a of assets) {
    if (a.scope) {
      const clash = unscoped.has(a.scope) || (await store.get(keys.desired({ kind: 'asset', scope: '', name: a.scope }))) !== undefined;
      if (clash) throw clashError(a.label, `asset/${a.scope}`, a.scope);
    } else {
      const other = scopes.get(a.name) ?? (await store.list(`${keys.desiredKind('asset')}${a.name}/`)).items[0]?.key;
      if (other) throw clashError(a.label, other.startsWith('/') ? other.replace(/^\/desired\/assets\//, 'asset/') : other, a.name);
    }
  }
}

function clashError(one: string, other: string, dir: string): ConflictError {
  return new ConflictError(
    `${one} and ${other} would share the directory assets/${dir}; an unscoped asset cannot be named like the scope of other assets — rename one of them`,
  );
}
