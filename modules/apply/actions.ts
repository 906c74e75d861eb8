/**
 * The `apply_manifest` and `delete_manifest` actions plugins hand back
 * (docs/plugin-protocol.md). An applied manifest goes through the
 * whole apply pipeline (validation, asset digests, cross-resource checks,
 * one transaction) as if `voodu apply` had sent it; only stored kinds, so an
 * action never expands again. A delete of something absent is a no-op;
 * `prune: true` removes what `voodu delete --prune` would (bucket, files, volumes).
 */
import { type Action, type ActionResult, type Hooks, type Logger } from '../../kernel/index.js';
import { ValidationError } from '../../lib/errors.js';
import { assertSegment, formatRef, keys, type Manifest, type ResourceRef } from '../../lib/identity.js';
import { validateManifest, type KindRegistry } from '../../lib/manifest/index.js';
import type { Store } from '../store/contract.js';

const summaryOf = (action: Action, fallback: string) =>
  typeof action.summary === 'string' && action.summary.trim() ? action.summary.trim() : fallback;

function manifestOf(kinds: KindRegistry, action: Action): Manifest {
  const m = action.manifest;
  if (typeof m !== 'object' || m === null || Array.isArray(m)) {
    throw new ValidationError('action.manifest: required for apply_manifest; give {kind, scope, name, spec}', { field: 'action.manifest' });
  }
  const kind = typeof (m as Manifest).kind === 'string' ? (m as Manifest).kind.toLowerCase() : '';
  if (!kinds.storedNames().includes(kind)) {
    throw new ValidationError(
      `action.manifest.kind: ${JSON.stringify((m as Manifest).kind)} is not a stored kind (${kinds.list()}); actions do not expand`,
      { field: 'action.manifest.kind' },
    );
  }
  return validateManifest(m, kinds, { source: 'action.manifest' });
}

function refToDelete(kinds: KindRegistry, action: Action): ResourceRef {
  const kind = typeof action.kind === 'string' ? kinds.parse(action.kind) : undefined;
  if (!kind) {
    throw new ValidationError(
      `action.kind: ${JSON.stringify(action.kind)} is not a kind; delete_manifest accepts ${kinds.list()}`,
      { field: 'action.kind' },
    );
  }
  assertSegment(action.name, 'action.name');
  const scope = action.scope === undefined || action.scope === '' ? '' : action.scope;
  if (scope !== '') assertSegment(scope, 'action.scope');
  const rule = kinds.scopeRule(kind);
  if (rule === 'required' && !scope) throw new ValidationError(`action.scope: required to delete a ${kind}`, { field: 'action.scope' });
  if (rule === 'forbidden' && scope) throw new ValidationError(`action.scope: a ${kind} has no scope; drop it`, { field: 'action.scope' });
  return { kind, scope: scope as string, name: action.name as string };
}

/** `apply` runs one manifest through the whole pipeline (not a dry run). */
export function registerApplyActions(
  hooks: Hooks,
  kinds: KindRegistry,
  store: Store,
  log: Logger,
  apply: (m: Manifest, producedBy?: string) => Promise<unknown>,
  prune: (ref: ResourceRef) => Promise<{ errors: string[] }>,
): void {
  hooks.onAction.for('apply_manifest').tapPromise('apply', async (action, ctx): Promise<ActionResult> => {
    const manifest = manifestOf(kinds, action);
    const applied = summaryOf(action, `apply_manifest ${formatRef({ kind: manifest.kind, scope: manifest.scope ?? '', name: manifest.name })}`);
    if (ctx.dryRun) return { applied };
    // `plugin:<name>` sources produced it; that plugin stays the one its pods may call back.
    await apply(manifest, ctx.source.startsWith('plugin:') ? ctx.source.slice('plugin:'.length) : undefined);
    return { applied };
  });

  hooks.onAction.for('delete_manifest').tapPromise('apply', async (action, ctx): Promise<ActionResult> => {
    const ref = refToDelete(kinds, action);
    if (action.prune !== undefined && typeof action.prune !== 'boolean') throw new ValidationError('action.prune: must be true or false', { field: 'action.prune' });
    if (ctx.dryRun) return { applied: summaryOf(action, `delete_manifest ${formatRef(ref)}`) };
    const existed = await store.delete(keys.desired(ref));
    if (existed) log.info(`${ctx.source}: deleted ${formatRef(ref)}`);
    // `prune: true` is `voodu delete --prune`: the config bucket and the files on the host go too (a statefulset's volumes as well).
    if (action.prune === true) {
      const { errors } = await prune(ref);
      if (errors.length) log.warn(`${ctx.source}: pruning ${formatRef(ref)}: ${errors.join('; ')}`);
    }
    return { applied: summaryOf(action, `delete_manifest ${formatRef(ref)}${existed ? '' : ' (no-op)'}`) };
  });
}
