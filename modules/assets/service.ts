/**
 * The `assets` service (contract.ts) on top of the store, the paths layout
 * and the materialiser.
 */
import { join } from 'node:path';
import { NotFoundError, ValidationError } from '../../lib/errors.js';
import { assertSegment, keys, type Manifest } from '../../lib/identity.js';
import type { Paths } from '../paths/contract.js';
import type { Store } from '../store/contract.js';
import type { Assets, ResolvedAssetRef } from './contract.js';
import type { Materialiser } from './materialiser.js';
import { parseRef, refsIn, type AssetRefParts } from './refs.js';
import { assertKey } from './parse.js';

export function createAssetsService(deps: { store: Store; paths: Paths; materialiser: Materialiser }): Assets {
  const { store, paths, materialiser } = deps;

  const pathOf = (scope: string, name: string, key: string): string => {
    if (scope !== '') assertSegment(scope, 'asset scope');
    assertSegment(name, 'asset name');
    assertKey(key, `asset ${scope ? `${scope}/${name}` : name}`);
    return join(paths.assetDir(scope, name), key);
  };

  const stored = (scope: string, name: string) => store.getJSON<Manifest>(keys.desired({ kind: 'asset', scope, name }));

  const resolveParts = async (ref: AssetRefParts, callerScope: string): Promise<ResolvedAssetRef> => {
    let scope = ref.scope ?? '';
    let manifest: Manifest | undefined;
    if (ref.scope === undefined && callerScope) {
      // Two segments: the caller's own scope's asset when it exists, else the unscoped one.
      manifest = await stored(callerScope, ref.name);
      if (manifest) scope = callerScope;
    }
    manifest ??= await stored(scope, ref.name);
    const files = (manifest?.spec as { files?: unknown } | undefined)?.files;
    const declared = typeof files === 'object' && files !== null && Object.hasOwn(files, ref.key);
    if (!manifest || !declared) {
      const asset = ref.scope ? `${ref.scope}/${ref.name}` : ref.name;
      throw new NotFoundError(`unresolved asset reference "${ref.text}": no asset "${asset}" with key "${ref.key}" on the controller`);
    }
    return { scope, name: ref.name, key: ref.key, path: pathOf(scope, ref.name, ref.key) };
  };

  return {
    pathOf,

    async resolveRef(ref, callerScope) {
      const parts = parseRef(ref);
      if (!parts) {
        throw new ValidationError(`${JSON.stringify(ref)} is not an asset reference; use \${asset.name.key} or \${asset.scope.name.key}`);
      }
      return resolveParts(parts, callerScope);
    },

    async interpolate(text, callerScope) {
      const refs = refsIn(text, 'asset reference');
      if (!refs.length) return text;
      const paths = new Map<string, string>();
      for (const ref of refs) if (!paths.has(ref.text)) paths.set(ref.text, (await resolveParts(ref, callerScope)).path);
      return text.replace(/\$\{asset\.[^}]*\}/g, (m) => paths.get(m) ?? m);
    },

    ensureMaterialised: (scope, name) => materialiser.ensure(scope, name),
    status: (scope, name) => materialiser.status(scope, name),
  };
}
