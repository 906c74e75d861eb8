/**
 * The `statefulset` module: pods with stable ordinals, per-pod volumes and
 * per-pod DNS. Reconciles on `onReconcile.for(
 * 'statefulset')`, serves restart and rollback through the workload
 * service's kind registry, and rebootstrap through its own service.
 */
import { defineModule } from '../../kernel/index.js';
import { keys, type Manifest, type ResourceRef } from '../../lib/identity.js';
import { RepairBackoff } from '../../lib/repair-backoff.js';
import type { Statefulsets } from './contract.js';
import { rebootstrap, type OpsDeps } from './ops.js';
import { deleteStatefulset, reconcileStatefulset, type StatefulsetDeps } from './reconcile.js';

export interface StatefulsetOptions {
  /** How long a new pod may take to become ready before the rollout stops. Default 120 s. */
  readyTimeoutMs?: number;
}

export default defineModule<StatefulsetOptions>({
  name: 'statefulset',
  description: 'Statefulsets: ordered pods with their own volumes and DNS',
  requires: ['workload', 'runtime', 'store'],
  optional: ['reconciler', 'podAccess'],
  provides: ['statefulsets'],
  register(ctx) {
    const workload = ctx.service('workload');
    const runtime = ctx.service('runtime');
    const store = ctx.service('store');
    const stopping = new AbortController();
    const reconciler = () => (ctx.has('reconciler') ? ctx.service('reconciler') : undefined);

    const deps: StatefulsetDeps = {
      workload,
      storedSpec: async (ref: ResourceRef) => (await store.getJSON<Manifest>(keys.desired(ref)))?.spec,
      runtime,
      log: ctx.log,
      backoff: new RepairBackoff(),
      later: (ref: ResourceRef, ms: number) => reconciler()?.enqueueAfter(ref, ms, 'manual'),
      signal: stopping.signal,
      readyTimeoutMs: ctx.options.readyTimeoutMs ?? 120_000,
      podCredential: (pod) => (ctx.has('podAccess') ? ctx.service('podAccess').mint(pod) : undefined),
    };

    ctx.hooks.onReconcile.for('statefulset').tapPromise('statefulset', async (event) => {
      if (event.type === 'delete') return deleteStatefulset(deps, event.ref);
      return reconcileStatefulset(deps, event.ref, event.manifest!, { revision: event.revision, ...(event.version !== undefined ? { version: event.version } : {}) });
    });

    const opsDeps: OpsDeps = { store, workload, reconciler };
    workload.registerOps('statefulset', workload.standardOps('statefulset'));
    const service: Statefulsets = {
      rebootstrap: (ref, ordinal, { prune }) => rebootstrap(opsDeps, ref, ordinal, prune),
    };
    ctx.provide('statefulsets', service);

    return {
      stop() {
        stopping.abort(new Error('controller stopping'));
      },
    };
  },
});
