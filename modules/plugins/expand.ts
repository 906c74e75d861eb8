/**
 * Macro blocks expanded by plugins (docs/plugin-protocol.md): every kind
 * no module registered gets this tap, through a `factory`
 * interceptor on `onExpand` (the apply pipeline makes the hook of an
 * unknown kind on demand). It finds or installs the plugin, runs its
 * `expand` with `{kind, scope, name, spec, config}` on stdin and checks the
 * answer: stored kinds only, names present, actions well-formed. The actions
 * run later, just before the commit, and never on a dry run.
 */
import { type Action, type Expansion, type Hooks } from '../../kernel/index.js';
import { ValidationError, messageOf } from '../../lib/errors.js';
import { formatRef, type Manifest } from '../../lib/identity.js';
import type { KindRegistry } from '../../lib/manifest/index.js';
import type { ApplyExpandContext } from '../apply/contract.js';
import { CLIENT_ACTIONS, checkActionList } from './actions.js';
import { extractPin, pluginForBlock, type JitDeps } from './jit.js';
import { errorDetail, runPlugin, type RunObserver } from './run.js';
import { maskValues, type Redactor } from './redact.js';
import type { OpenSession } from './session.js';

export interface ExpandDeps extends JitDeps {
  hooks: Hooks;
  kinds: KindRegistry;
  timeoutMs: number;
  /** Env and capability URL for one invocation of a plugin. */
  session: OpenSession;
  /** Masks the block's config values in plugin text copied into errors; without it, the expansion's `config` is used. */
  redact?: Redactor;
  observe?: RunObserver;
}

/** Run last among a kind's taps: an in-process module that expands the kind wins. */
const STAGE = 1000;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function registerExpand(deps: ExpandDeps): void {
  deps.hooks.onExpand.intercept({
    factory: (kind: string, hook) => {
      // Registered kinds belong to their modules; only a kind nobody registered is a plugin's.
      if (!deps.kinds.has(kind)) {
        hook.tapPromise({ name: 'plugins', stage: STAGE }, (m, ctx) => expandBlock(deps, m, ctx as ApplyExpandContext));
      }
      return hook;
    },
  });
}

export async function expandBlock(deps: ExpandDeps, block: Manifest, ctx: ApplyExpandContext): Promise<Expansion> {
  const ref = formatRef({ kind: block.kind, scope: block.scope ?? '', name: block.name });
  const where = `expand ${ref}`;
  const spec = { ...(block.spec as Record<string, unknown>) };
  const pin = extractPin(spec, where);
  const plugin = await pluginForBlock(deps, block.kind, pin, ctx.report ?? {}, ctx.progress);
  const p = plugin.manifest.name;
  if (!plugin.commands.has('expand')) {
    throw new ValidationError(`${where}: plugin "${p}" has no expand command, so it cannot expand "${block.kind}" blocks`, { field: 'kind' });
  }

  const request = {
    kind: block.kind,
    ...(block.scope ? { scope: block.scope } : {}),
    name: block.name,
    ...(Object.keys(spec).length ? { spec } : {}),
    ...(Object.keys(ctx.config ?? {}).length ? { config: ctx.config } : {}),
  };
  const session = deps.session(p, deps.timeoutMs);
  const result = await runPlugin(plugin, 'expand', { stdin: JSON.stringify(request), env: session.env, timeoutMs: deps.timeoutMs, ...(deps.observe ? { observe: deps.observe } : {}) }).finally(() => session.close());
  // Plugin text in an error is masked with the block's config (redact.ts), before any truncation.
  const bucket = block.scope ? { scope: block.scope, name: block.name } : undefined;
  const seen = Object.values(ctx.config ?? {});
  const masked = (text: string) => (deps.redact ? deps.redact.mask(text, bucket, seen) : Promise.resolve(maskValues(text, seen)));
  if (result.exitCode !== 0) {
    const shown = { ...result, stderr: await masked(result.stderr), stdout: await masked(result.stdout), ...(result.envelope?.error !== undefined ? { envelope: { ...result.envelope, error: await masked(result.envelope.error) } } : {}) };
    throw new ValidationError(`${where}: plugin "${p}" expand exited ${result.exitCode}: ${errorDetail(shown)}`);
  }
  const env = result.envelope;
  if (!env) {
    const got = (await masked(result.stdout.trim())).slice(0, 200);
    throw new ValidationError(`${where}: plugin "${p}" expand returned no JSON envelope {status, data} (got: ${got ? `${got}…` : 'nothing'})`);
  }
  if (env.status !== 'ok') throw new ValidationError(`${where}: plugin "${p}" expand: ${env.error?.trim() ? await masked(env.error.trim()) : `status "${env.status}"`}`);

  const { manifests: raw, actions: rawActions } = answerShape(env.data, `${where}: plugin "${p}" expand`);
  // Recorded so a pod of this resource may call back into this plugin (and no other).
  const manifests = raw.map((m, i) => ({ ...checkManifest(deps.kinds, m, block, `${where}: plugin "${p}" expand: manifests[${i}]`), metadata: { produced_by: p } }));
  const actions = checkActionList(deps.hooks, rawActions, `${where}: plugin "${p}" expand`);
  actions.forEach((a, i) => {
    if ((CLIENT_ACTIONS as readonly string[]).includes(a.type)) {
      throw new ValidationError(`${where}: plugin "${p}" expand: actions[${i}]: ${a.type} runs in the CLI and cannot be part of an apply`, { field: `actions[${i}].type` });
    }
  });
  // Checked now as a dry run, so a bad action fails the apply (and the diff) before anything has an effect.
  for (const [i, a] of actions.entries()) {
    try {
      await deps.hooks.onAction.get(a.type)!.promise(a, { source: `expand:${ref}`, dryRun: true });
    } catch (err) {
      throw new ValidationError(`${where}: plugin "${p}" expand: actions[${i}] (${a.type}): ${messageOf(err)}`, { field: `actions[${i}]` });
    }
  }
  spliceOnProbe(manifests, block.spec as Record<string, unknown>);
  return { manifests, ...(actions.length ? { actions: actions as Action[] } : {}) };
}

/** The three answer shapes: a list of manifests, `{manifests, actions}`, or one manifest. */
function answerShape(data: unknown, where: string): { manifests: unknown[]; actions: unknown } {
  if (Array.isArray(data)) return { manifests: data, actions: undefined };
  if (isObject(data) && 'manifests' in data) {
    if (!Array.isArray(data.manifests)) throw new ValidationError(`${where}: data.manifests must be a list of manifests`);
    return { manifests: data.manifests, actions: data.actions };
  }
  if (isObject(data)) return { manifests: [data], actions: undefined };
  throw new ValidationError(`${where}: data must be a manifest, a list of manifests or {manifests, actions}`);
}

function checkManifest(kinds: KindRegistry, raw: unknown, block: Manifest, where: string): Manifest {
  if (!isObject(raw)) throw new ValidationError(`${where}: must be a manifest object {kind, scope, name, spec}`);
  const kind = typeof raw.kind === 'string' ? raw.kind.toLowerCase() : '';
  if (!kinds.storedNames().includes(kind)) {
    throw new ValidationError(`${where}: kind ${JSON.stringify(raw.kind)} is not a stored kind (${kinds.list()}); expansions may not expand again`);
  }
  if (typeof raw.name !== 'string' || !raw.name) throw new ValidationError(`${where}: name is required`);
  if (raw.scope !== undefined && raw.scope !== null && typeof raw.scope !== 'string') throw new ValidationError(`${where}: scope must be a string`);
  if (raw.spec !== undefined && !isObject(raw.spec)) throw new ValidationError(`${where}: spec must be an object`);
  // A kind that needs a scope inherits the block's when the plugin left it out.
  const scope = typeof raw.scope === 'string' && raw.scope ? raw.scope : kinds.scopeRule(kind) === 'required' ? block.scope : undefined;
  return { kind, name: raw.name, ...(scope ? { scope } : {}), spec: (raw.spec ?? {}) as Record<string, unknown> } as Manifest;
}

/** The operator's `on_probe` webhooks reach every workload the plugin emitted, verbatim. */
function spliceOnProbe(manifests: Manifest[], spec: Record<string, unknown>): void {
  const onProbe = spec?.on_probe;
  if (!isObject(onProbe)) return;
  for (const m of manifests) {
    if (m.kind === 'deployment' || m.kind === 'statefulset') (m as { spec: Record<string, unknown> }).spec = { ...(m.spec as Record<string, unknown>), on_probe: onProbe };
  }
}
