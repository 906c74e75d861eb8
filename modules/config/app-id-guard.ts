/**
 * A config change of (scope, name) rewrites `apps/<scope>-<name>/shared/.env`.
 * When a workload of another (scope, name) owns that app id (`a-b/c` for
 * `a/b-c`), the change would overwrite the env file its containers load, so
 * it is refused. A bucket with no resource behind it yet stays allowed: the
 * apply check refuses the resource itself if it would clash.
 */
import { ValidationError } from '../../lib/errors.js';
import { keys, type Manifest } from '../../lib/identity.js';
import { appClaim, claimsOf, firstClash, type NameLayout } from '../../lib/name-claims.js';
import type { Store } from '../store/contract.js';
import type { KindRegistry } from '../../lib/manifest/kind-registry.js';

export type AppIdGuard = (scope: string, name: string | undefined) => Promise<void>;

export function createAppIdGuard(store: Store, kinds: KindRegistry, layout: NameLayout): AppIdGuard {
  return async (scope, name) => {
    if (!name) return; // the scope bucket writes no env file of its own
    // One range read per workload kind: only their app-id claims can meet the bucket's.
    const lists = await Promise.all(kinds.withRole('workload').map((kind) => store.list(keys.desiredKind(kind))));
    const stored = lists.flatMap((l) => l.items).flatMap((kv) => parsed(kv.value) ?? []);
    const clash = firstClash([appClaim({ kind: 'config', scope, name }, layout)], stored.flatMap((m) => claimsOf(m, kinds, layout)));
    if (!clash) return;
    const owner = clash.other.ref;
    throw new ValidationError(
      `config ${scope}/${name}: ${clash.claim.what} is already used by ${owner.kind}/${owner.scope}/${owner.name}, so this change would rewrite that resource's env file; change the config of ${owner.scope}/${owner.name} instead, or rename one of them`,
      { field: 'name' },
    );
  };
}

function parsed(value: string): Manifest | undefined {
  try {
    return JSON.parse(value) as Manifest;
  } catch {
    return undefined; // a broken manifest is the reconciler's to report
  }
}
