/**
 * The `ingress` module:
 * an ingress is a route the ingress plugin (`caddy`) serves — host, paths,
 * TLS — to every running replica of a deployment in the same scope. It
 * resolves the route, hands it to the plugin, records the status, re-syncs
 * when the deployment's replicas change (rollouts included, so Caddy never
 * holds a stale address for long), removes the route on delete, and
 * refuses at apply time a (host, path) pair another ingress already serves.
 */
import { defineModule } from '../../kernel/index.js';
import { ConflictError, NotFoundError, ValidationError, messageOf } from '../../lib/errors.js';
import { formatRef, keys, type Manifest, type ResourceRef } from '../../lib/identity.js';
import type { IngressSpec } from './spec.js';
import { ApplyStage } from '../apply/contract.js';
import type {} from '../plugins/contract.js';
import type {} from '../reconciler/contract.js';
import type {} from '../runtime/contract.js';
import type {} from '../store/contract.js';
import { LABELS } from '../workload/contract.js';
import { checkCollisions, type IngressEntry } from './collisions.js';
import { DEFAULT_INGRESS_PLUGIN } from './contract.js';
import { explainBindFailure } from './port-holder.js';
import { createIngressReconciler } from './reconcile.js';

export interface IngressOptions {
  /** Plugin that serves routes; default `caddy`. */
  plugin?: string;
  /** How long after a replica event the affected ingresses re-sync, so one replica's burst of events becomes one re-sync; default 150 ms. */
  debounceMs?: number;
}

function validateOptions(raw: unknown): { plugin: string; debounceMs: number } {
  const o = (raw ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (key !== 'plugin' && key !== 'debounceMs') throw new ValidationError(`ingress.${key}: unknown option; the ingress module takes plugin and debounceMs`, { field: key });
  }
  if (o.plugin !== undefined && (typeof o.plugin !== 'string' || !o.plugin)) {
    throw new ValidationError(`ingress.plugin: must be a plugin name such as "caddy", got ${JSON.stringify(o.plugin)}`, { field: 'plugin' });
  }
  if (o.debounceMs !== undefined && (typeof o.debounceMs !== 'number' || !Number.isInteger(o.debounceMs) || o.debounceMs < 0)) {
    throw new ValidationError(`ingress.debounceMs: must be a whole number of milliseconds ≥ 0, got ${JSON.stringify(o.debounceMs)}`, { field: 'debounceMs' });
  }
  return { plugin: (o.plugin as string | undefined) ?? DEFAULT_INGRESS_PLUGIN, debounceMs: (o.debounceMs as number | undefined) ?? 150 };
}

/** The ingresses whose target is `deployment` (service, default the ingress name, in the same scope). */
export async function ingressesOf(store: { list(prefix: string): Promise<{ items: { value: string }[] }> }, deployment: ResourceRef): Promise<ResourceRef[]> {
  const out: ResourceRef[] = [];
  for (const kv of (await store.list(keys.desiredKind('ingress'))).items) {
    try {
      const m = JSON.parse(kv.value) as Manifest<IngressSpec>;
      if ((m.scope ?? '') === deployment.scope && (m.spec?.service || m.name) === deployment.name) out.push({ kind: 'ingress', scope: m.scope ?? '', name: m.name });
    } catch {
      // a value that is not a manifest is not an ingress of anyone
    }
  }
  return out;
}

export default defineModule<IngressOptions>({
  name: 'ingress',
  description: 'Ingresses: routes served by the ingress plugin (caddy) to every replica of a deployment',
  requires: ['store', 'runtime', 'workload', 'plugins'],
  optional: ['reconciler'],
  register(ctx) {
    const options = validateOptions(ctx.options);
    const store = ctx.service('store');
    const runtime = ctx.service('runtime');
    const reconciler = () => (ctx.has('reconciler') ? ctx.service('reconciler') : undefined);
    const enqueue = (ref: ResourceRef) => reconciler()?.enqueue(ref, 'runtime');
    const plugins = ctx.service('plugins');
    // A plugin failing on a taken host port says only that it is taken: name who holds it.
    const explain = (text: string) => explainBindFailure(runtime, text).catch(() => undefined);

    // A start, kill, die or destroy of a deployment replica re-syncs the ingresses in front of it (the
    // reconciler serializes every re-sync of one ingress). A `kill` counts at once: the replica leaves the
    // upstreams (isTearingDown) while it still finishes what it serves.
    reconciler()?.onRuntimeEvent({ roles: ['deployment'], actions: ['start', 'kill', 'die', 'destroy'] }, (ev) => {
      const deployment: ResourceRef = { kind: 'deployment', scope: ev.labels[LABELS.scope] ?? '', name: ev.labels[LABELS.name] ?? '' };
      ingressesOf(store, deployment)
        .then((refs) => refs.forEach((ref) => reconciler()?.enqueueAfter(ref, options.debounceMs, 'runtime')))
        .catch((err) => ctx.log.warn(`${formatRef(deployment)}: ingress re-sync not queued: ${messageOf(err)}`));
    });

    const reconcile = createIngressReconciler({
      store,
      runtime,
      workload: ctx.service('workload'),
      plugins,
      plugin: options.plugin,
      explain,
      log: ctx.log,
      tearingDown: (containerId) => reconciler()?.isTearingDown(containerId) ?? false,
      later: (ref, ms) => reconciler()?.enqueueAfter(ref, ms, 'runtime'),
    });
    ctx.hooks.onReconcile.for('ingress').tapPromise('ingress', reconcile);

    // After the deployment module (stage 100): a clean deployment reconcile heals its broken ingresses.
    ctx.hooks.onReconcile.for('deployment').tapPromise({ name: 'ingress', stage: 100 }, async (event) => {
      if (event.type !== 'put') return;
      for (const ref of await ingressesOf(store, event.ref)) {
        const status = await store.getJSON<{ last_reconcile_error?: string }>(keys.status('ingress', ref.scope, ref.name)).catch(() => undefined);
        if (!status || status.last_reconcile_error) enqueue(ref);
      }
    });

    ctx.hooks.onApply.tapPromise({ name: 'ingress', stage: ApplyStage.check }, async (batch) => {
      const mine: IngressEntry[] = batch.manifests
        .filter((m) => m.kind === 'ingress')
        .map((m) => ({ ref: { kind: 'ingress', scope: m.scope ?? '', name: m.name }, spec: m.spec as unknown as IngressSpec }));
      if (!mine.length) return;
      const stored: IngressEntry[] = [];
      for (const kv of (await store.list(keys.desiredKind('ingress'))).items) {
        try {
          const m = JSON.parse(kv.value) as Manifest<IngressSpec>;
          stored.push({ ref: { kind: 'ingress', scope: m.scope ?? '', name: m.name }, spec: m.spec });
        } catch {
          ctx.log.warn(`${kv.key}: stored ingress is not JSON; left out of the collision check`);
        }
      }
      checkCollisions(mine, stored);
    });

    // Last before the commit, so a batch a check refuses installs nothing: the first ingress on a host
    // brings its plugin (the copy the project ships, offline) and serves the moment it is stored. The
    // install is listed in the answer's plugin_installs; a bundled copy that fails to install fails the apply.
    ctx.hooks.onApply.tapPromise({ name: 'ingress.plugin', stage: ApplyStage.commit - 1 }, async (batch) => {
      if (batch.dryRun) return;
      const refs = batch.manifests.filter((m) => m.kind === 'ingress').map((m) => formatRef({ kind: 'ingress', scope: m.scope ?? '', name: m.name }));
      if (!refs.length) return;
      try {
        const ensured = await plugins.ensure(options.plugin, { report: batch.report, ...(batch.progress && { progress: batch.progress }) });
        if (ensured.installedFrom) ctx.log.info(`${refs.join(', ')}: installed the ${ensured.installedFrom} plugin "${ensured.name}"${ensured.version ? ` ${ensured.version}` : ''}`);
      } catch (err) {
        // Neither installed nor shipped: stored all the same, its status says how to install one.
        if (err instanceof NotFoundError) {
          ctx.log.warn(`${refs.join(', ')}: ${messageOf(err)}; stored anyway, served once the plugin is installed`);
          return;
        }
        const port = await explain(messageOf(err));
        if (!port) throw err;
        throw new ConflictError(`${refs.join(', ')}: the ingress plugin "${options.plugin}" cannot bind its host ports: ${port} (${messageOf(err)})`, { cause: err });
      }
    });
  },
});

