/**
 * The `apply` module: `/apply` (write, list, delete), `/resource`,
 * `/scope` and `/describe`. It owns the validation stage and the commit
 * stage of the `onApply` pipeline; other modules add stages in between.
 */
import { defineModule } from '../../kernel/index.js';
import { NotFoundError, ValidationError, messageOf } from '../../lib/errors.js';
import { assertSegment, formatRef, keys, parseDesiredKey, refOf, type ResourceRef } from '../../lib/identity.js';
import { validateManifest, type KindRegistry } from '../../lib/manifest/index.js';
import '../kinds/contract.js';
import '../events/contract.js';
import type {} from '../build/contract.js';
import { OPEN_TO_PLUGINS, type ApiRequest } from '../api/contract.js';
import { registerApplyActions } from './actions.js';
import { commit, planCommit } from './commit.js';
import { checkNameClashes } from './collisions.js';
import { ApplyStage } from './contract.js';
import { getManifest, listManifests } from './desired.js';
import { redactAllForAnswer, redactApplyAnswer, redactForAnswer } from './answer.js';
import { resolveDesiredRef } from '../../lib/desired-ref.js';
import { runActions, runApply } from './pipeline.js';
import { graceParam, stopNow } from './stop-now.js';
import { pruneResource, type PruneDeps } from './prune.js';

/** The newest events `describe` ends with; `voodu events` has the rest. */
const DESCRIBE_EVENTS = 15;

const flag = (req: ApiRequest, name: string) => req.query[name] === 'true' || req.query[name] === '1';

function kindParam(kinds: KindRegistry, req: ApiRequest, required: boolean): string | undefined {
  const raw = req.query.kind;
  if (raw === undefined || raw === '') {
    if (required) throw new ValidationError(`query.kind: required (${kinds.list()})`, { field: 'kind' });
    return undefined;
  }
  const kind = kinds.parse(raw);
  if (!kind) throw new ValidationError(`query.kind: "${raw}" is not a kind; accepted: ${kinds.list()}`, { field: 'kind' });
  return kind;
}

function segmentParam(req: ApiRequest, name: 'scope' | 'name', required: boolean): string | undefined {
  const value = req.query[name];
  if (value === undefined || value === '') {
    if (required) throw new ValidationError(`query.${name}: required`, { field: name });
    return undefined;
  }
  assertSegment(value, `query.${name}`);
  return value;
}

export default defineModule({
  name: 'apply',
  description: 'The apply pipeline and the desired-state endpoints',
  requires: ['store', 'api', 'kinds'],
  optional: ['paths', 'config', 'runtime', 'pods', 'statefulsets', 'events', 'builds'],
  register(ctx) {
    const store = ctx.service('store');
    const api = ctx.service('api');
    const kinds = ctx.service('kinds');
    /** `grace=` given: the deleted resources' containers are stopped now with it (stop-now.ts). */
    async function stopWithGrace(refs: ResourceRef[], grace: number | undefined): Promise<{ stopped?: string[]; stop_errors?: string[] }> {
      if (grace === undefined || !ctx.has('runtime')) return {};
      const { stopped, errors } = await stopNow(ctx.service('runtime'), refs, grace);
      return { stopped, ...(errors.length ? { stop_errors: errors } : {}) };
    }

    const pruneDeps = (): PruneDeps => ({
      store,
      kinds,
      ...(ctx.has('paths') ? { paths: ctx.service('paths') } : {}),
      ...(ctx.has('config') ? { config: ctx.service('config') } : {}),
      ...(ctx.has('runtime') ? { runtime: ctx.service('runtime') } : {}),
      ...(ctx.has('builds') ? { builds: ctx.service('builds') } : {}),
    });
    const configFor = async (scope: string, name: string) =>
      scope && ctx.has('config') ? ctx.service('config').resolve(scope, name) : {};

    // Stage validate: every manifest against its kind's rules, and no identity twice.
    ctx.hooks.onApply.tapPromise({ name: 'apply.validate', stage: ApplyStage.validate }, async (batch) => {
      const seen = new Set<string>();
      batch.manifests = batch.manifests.map((m) => {
        const valid = validateManifest(m, kinds);
        const id = formatRef(refOf(valid));
        if (seen.has(id)) throw new ValidationError(`duplicate identity ${id}: declared more than once in this apply`);
        seen.add(id);
        return valid;
      });
    });

    // Stage check: no two resources of different (scope, name) may share a derived name (lib/name-claims.ts).
    ctx.hooks.onApply.tapPromise({ name: 'apply.names', stage: ApplyStage.check }, (batch) =>
      checkNameClashes(store, kinds, ctx.has('paths') ? ctx.service('paths') : undefined, batch.manifests),
    );

    // Stage commit: actions, then one transaction (or, on a dry run, the plan alone).
    ctx.hooks.onApply.tapPromise({ name: 'apply.commit', stage: ApplyStage.commit }, async (batch) => {
      if (batch.dryRun) {
        const plan = await planCommit(store, batch.manifests, batch.prune, kinds.withRole('prunable'));
        if (batch.actions.length) batch.report.actions = batch.actions.map(({ action }) => `${action.type} (dry run: not run)`);
        Object.assign(batch.report, { applied: plan.applied, pruned: plan.pruned.map(formatRef), current: plan.current.map((c) => c ?? null) });
        return;
      }
      if (batch.actions.length) batch.report.actions = await runActions(ctx.hooks, batch);
      const done = await commit(store, batch.manifests, batch.prune, kinds.withRole('prunable'));
      // What a caller can wait on: the long-running workloads whose spec this apply changed (an unchanged one has nothing to roll).
      const rollouts = done.applied.filter((m, i) => kinds.is(m.kind, 'longRunning') && !done.unchanged[i]).map((m) => formatRef(refOf(m)));
      const unchanged = done.applied.filter((_, i) => done.unchanged[i]).map((m) => formatRef(refOf(m)));
      Object.assign(batch.report, { applied: done.applied, unchanged, pruned: done.pruned.map(formatRef), revision: done.revision, rollouts });
      const written = done.applied.filter((_, i) => !done.unchanged[i]).map((m) => formatRef(refOf(m)));
      ctx.log.info(
        written.length || done.pruned.length
          ? `applied ${written.join(', ') || 'nothing new'}${done.pruned.length ? `; pruned ${done.pruned.map(formatRef).join(', ')}` : ''}${unchanged.length ? ` (${unchanged.length} unchanged)` : ''} at revision ${done.revision}`
          : `apply of ${unchanged.length} unchanged resource(s): nothing written`,
      );
    });

    registerApplyActions(
      ctx.hooks,
      kinds,
      store,
      ctx.log,
      (m, producedBy) => runApply({ hooks: ctx.hooks, kinds, configFor }, [m], { dryRun: false, prune: false, force: false, ...(producedBy ? { producedBy } : {}) }),
      (ref) => pruneResource(pruneDeps(), ref),
    );

    api.route(
      'POST',
      '/apply',
      (req) =>
        // Registry tokens in `applied`/`current` are redacted here, the answer edge; the store keeps them.
        runApply({ hooks: ctx.hooks, kinds, configFor }, req.body, {
          dryRun: flag(req, 'dry_run'),
          prune: flag(req, 'prune'),
          force: flag(req, 'force'),
          progress: (line) => req.progress(line),
          ...(req.principal.kind === 'plugin' ? { producedBy: req.principal.plugin } : {}),
        }).then(redactApplyAnswer),
      OPEN_TO_PLUGINS,
    );

    api.route('GET', '/apply', (req) => listManifests(store, kindParam(kinds, req, false)).then(redactAllForAnswer), OPEN_TO_PLUGINS);

    api.route('DELETE', '/apply', async (req) => {
      const kind = kindParam(kinds, req, true)!;
      const name = segmentParam(req, 'name', true)!;
      const ref = await resolveDesiredRef(store, kind, name, segmentParam(req, 'scope', false));
      const grace = graceParam(req.query);
      await store.delete(keys.desired(ref));
      ctx.log.info(`deleted ${formatRef(ref)}`);
      const stopped = await stopWithGrace([ref], grace);
      return { deleted: formatRef(ref), ...stopped, ...(flag(req, 'prune') ? { pruned: await pruneResource(pruneDeps(), ref) } : {}) };
    }, OPEN_TO_PLUGINS);

    // Every scoped kind at (scope, name): an `app` is a deployment and an ingress sharing one identity.
    api.route('DELETE', '/resource', async (req) => {
      const scope = segmentParam(req, 'scope', true)!;
      const name = segmentParam(req, 'name', true)!;
      if (req.query.ordinal !== undefined) {
        // Per-pod rebootstrap of a statefulset ordinal (its module does the work).
        if (!/^\d{1,6}$/.test(req.query.ordinal)) throw new ValidationError('query.ordinal: must be a pod ordinal (0, 1, 2, …)', { field: 'ordinal' });
        if (!ctx.has('statefulsets')) throw new ValidationError('query.ordinal: per-pod rebootstrap needs the statefulset module, which is disabled', { field: 'ordinal' });
        const ref = { kind: 'statefulset', scope, name };
        if (!(await store.get(keys.desired(ref)))) throw new NotFoundError(`statefulset/${scope}/${name} not found`);
        return ctx.service('statefulsets').rebootstrap(ref, Number(req.query.ordinal), { prune: flag(req, 'prune') });
      }
      const refs: ResourceRef[] = [];
      for (const kind of kinds.withRole('prunable')) {
        if (await store.get(keys.desired({ kind, scope, name }))) refs.push({ kind, scope, name });
      }
      const grace = graceParam(req.query);
      await deleteAll(refs);
      const stopped = await stopWithGrace(refs, grace);
      const prune = flag(req, 'prune');
      const pruned = prune ? await Promise.all(refs.map((r) => pruneResource(pruneDeps(), r))) : undefined;
      return { deleted: refs.map(formatRef), ...stopped, ...(pruned ? { pruned: pruned.map((p, i) => ({ resource: formatRef(refs[i]!), ...p })) } : {}) };
    }, OPEN_TO_PLUGINS);

    api.route('DELETE', '/scope', async (req) => {
      const scope = segmentParam(req, 'scope', true)!;
      const refs: ResourceRef[] = [];
      for (const kind of kinds.withRole('prunable')) {
        const { items } = await store.list(`${keys.desiredKind(kind)}${scope}/`);
        for (const kv of items) {
          const ref = parseDesiredKey(kv.key);
          if (ref?.scope === scope) refs.push(ref);
        }
      }
      const grace = graceParam(req.query);
      await deleteAll(refs);
      const stopped = await stopWithGrace(refs, grace);
      const prune = flag(req, 'prune');
      if (!prune) return { deleted: refs.map(formatRef), ...stopped };
      const pruned = await Promise.all(refs.map((r) => pruneResource(pruneDeps(), r)));
      // The scope-level bucket holds secrets shared by the scope: wiped only when asked to prune.
      const deps = pruneDeps();
      if (deps.config) await deps.config.wipe(scope);
      else await store.deletePrefix(keys.configBucket(scope));
      return { deleted: refs.map(formatRef), ...stopped, pruned: pruned.map((p, i) => ({ resource: formatRef(refs[i]!), ...p })), config_wiped: true };
    });

    api.route('GET', '/describe', async (req) => {
      const kind = kindParam(kinds, req, true)!;
      const ref = await resolveDesiredRef(store, kind, segmentParam(req, 'name', true)!, segmentParam(req, 'scope', false));
      const manifest = await getManifest(store, ref);
      const status = await store.getJSON<unknown>(keys.status(ref.kind, ref.scope, ref.name));
      const events = ctx.has('events') ? (await ctx.service('events').list(ref).catch(() => [])).slice(-DESCRIBE_EVENTS) : undefined;
      return { manifest: redactForAnswer(manifest), status: status ?? null, ...(await podsOf(ref)), ...(events ? { events } : {}) };
    }, { plugin: true, pod: (req, grant) => req.query.scope === grant.scope }); // a pod reads only its own scope

    /** The resource's pods (and a statefulset's volumes) when the pods module runs; failures only cost those fields. */
    async function podsOf(ref: ResourceRef): Promise<{ pods?: unknown[]; volumes?: string[] }> {
      if (!ctx.has('pods')) return {};
      const pods = ctx.service('pods');
      const out: { pods?: unknown[]; volumes?: string[] } = {};
      try {
        out.pods = await pods.list({ kind: ref.kind, scope: ref.scope, name: ref.name });
      } catch (err) {
        ctx.log.warn(`describe ${formatRef(ref)}: listing pods failed: ${messageOf(err)}`);
      }
      if (ref.kind === 'statefulset') {
        try {
          out.volumes = await pods.volumes(ref);
        } catch (err) {
          ctx.log.warn(`describe ${formatRef(ref)}: listing volumes failed: ${messageOf(err)}`);
        }
      }
      return out;
    }

    /** Deletes every ref in one transaction: a scope wipe is all or nothing too. */
    async function deleteAll(refs: ResourceRef[]): Promise<void> {
      if (refs.length === 0) return;
      await store.txn({ success: refs.map((r) => ({ op: 'delete' as const, key: keys.desired(r) })) });
      ctx.log.info(`deleted ${refs.map(formatRef).join(', ')}`);
    }
  },
});
