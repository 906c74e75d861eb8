/**
 * One apply, start to finish: decode, expand every manifest through
 * `onExpand`, run the `onApply` stages on the whole batch (validation,
 * asset stamping, cross-resource checks, then the one-transaction commit),
 * and shape the answer (docs/api.md, `POST /apply`). A throw anywhere before the commit
 * leaves the store unchanged.
 */
import { type Action, type ApplyBatch, type Hooks } from '../../kernel/index.js';
import { ValidationError } from '../../lib/errors.js';
import { formatRef, type Manifest } from '../../lib/identity.js';
import type { KindRegistry } from '../../lib/manifest/index.js';
import type { ApplyExpandContext } from './contract.js';
import { decodeManifests } from './decode.js';

export interface ApplyOptions {
  dryRun: boolean;
  prune: boolean;
  force: boolean;
  /** The plugin sending these manifests (an action or a capability call): recorded as `metadata.produced_by`. */
  producedBy?: string;
  /** Progress lines of long work during the apply (plugin installs), for the client. */
  progress?: (line: string) => void;
}

export interface ExpandDeps {
  hooks: Hooks;
  kinds: KindRegistry;
  /** Merged config buckets for a manifest's (scope, name): what expansions see as `config`. */
  configFor(scope: string, name: string): Promise<Record<string, string>>;
}

export interface Expanded {
  manifests: Manifest[];
  expansions: { from: string; to: string[] }[];
  /** Actions expansions asked for: run just before the commit, or only reported on a dry run. */
  actions: { action: Action; source: string }[];
}

/** A kind stored as written: registered, and not sugar that stands for other kinds. */
const isStored = (kinds: KindRegistry, kind: string) => kinds.has(kind) && !kinds.get(kind)!.expand;

export async function expandAll(deps: ExpandDeps, incoming: Manifest[], dryRun: boolean, report: Record<string, unknown> = {}, progress?: (line: string) => void): Promise<Expanded> {
  const out: Expanded = { manifests: [], expansions: [], actions: [] };
  for (const m of incoming) {
    // A kind no module declared gets its hook made here, so a HookMap `factory` interceptor (plugins) can claim it.
    const stored = isStored(deps.kinds, m.kind);
    const hook = stored ? deps.hooks.onExpand.get(m.kind) : deps.hooks.onExpand.for(m.kind);
    // The config buckets are read only for a manifest something expands: two etcd reads each, and a
    // batch of plain deployments would otherwise pay them once per manifest, one after another.
    let result: Awaited<ReturnType<NonNullable<typeof hook>['promise']>> | undefined;
    if (hook) {
      const ctx: ApplyExpandContext = { dryRun, config: await deps.configFor(m.scope ?? '', m.name), report, ...(progress && { progress }) };
      result = await hook.promise(m, ctx);
    }
    if (!result) {
      if (!stored) {
        throw new ValidationError(
          `${formatRef({ kind: m.kind, scope: m.scope ?? '', name: m.name })}: unknown kind "${m.kind}"; no module or installed plugin expands it (registered kinds: ${deps.kinds.names().sort().join(', ')})`,
          { field: 'kind' },
        );
      }
      out.manifests.push(m);
      continue;
    }
    const from = formatRef({ kind: m.kind, scope: m.scope ?? '', name: m.name });
    for (const produced of result.manifests) {
      if (!isStored(deps.kinds, produced.kind)) {
        throw new ValidationError(`${from}: its expansion returned kind "${produced.kind}", which is not a core kind or another registered kind stored as written (${deps.kinds.list()}); expansions may not expand again`);
      }
    }
    out.manifests.push(...result.manifests);
    out.expansions.push({ from, to: result.manifests.map((p) => formatRef({ kind: p.kind, scope: p.scope ?? '', name: p.name })) });
    for (const action of result.actions ?? []) out.actions.push({ action, source: `expand:${from}` });
  }
  return out;
}

/** Refuses unknown action types up front, so nothing runs for a batch that cannot complete. */
export function checkActions(hooks: Hooks, actions: Expanded['actions']): void {
  for (const { action, source } of actions) {
    if (!hooks.onAction.get(action.type)) {
      throw new ValidationError(`${source}: unknown action type "${String(action.type)}"`, { field: 'actions' });
    }
  }
}

/** Runs the batch's actions through `onAction` (the commit stage calls this just before writing). */
export async function runActions(hooks: Hooks, batch: ApplyBatch): Promise<string[]> {
  const applied: string[] = [];
  for (const { action, source } of batch.actions) {
    const result = await hooks.onAction.get(action.type)!.promise(action, { source, dryRun: batch.dryRun });
    applied.push(result?.applied ?? action.type);
  }
  return applied;
}

export async function runApply(deps: ExpandDeps, body: unknown, opts: ApplyOptions): Promise<Record<string, unknown>> {
  const decoded = decodeManifests(body);
  const incoming = opts.producedBy ? decoded.map((m) => ({ ...m, metadata: { produced_by: opts.producedBy } })) : decoded;
  const report: Record<string, unknown> = {};
  const expanded = await expandAll(deps, incoming, opts.dryRun, report, opts.progress);
  checkActions(deps.hooks, expanded.actions);
  const { producedBy: _, ...batchOpts } = opts;
  const batch: ApplyBatch = { manifests: expanded.manifests, ...batchOpts, report, actions: expanded.actions };
  await deps.hooks.onApply.promise(batch);
  const { applied, pruned, current, ...rest } = batch.report;
  return {
    applied: applied ?? batch.manifests,
    pruned: pruned ?? [],
    ...(expanded.expansions.length ? { plugin_expansions: expanded.expansions } : {}),
    ...rest,
    ...(opts.dryRun ? { current: current ?? [], dry_run: true } : {}),
  };
}
