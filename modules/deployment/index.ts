/**
 * The `deployment` module: deployments reconciled into replicas
 * (reconcile.ts), deleted (delete.ts), restarted and rolled back (ops.ts,
 * routes.ts), on the shared `workload` service.
 */
import { defineModule, type ReconcileEvent } from '../../kernel/index.js';
import { ValidationError, messageOf } from '../../lib/errors.js';
import { formatRef, keys, type Manifest, type ResourceRef } from '../../lib/identity.js';
import type { OnDeploySpec } from '../../lib/manifest/types.js';
import type {} from '../api/contract.js';
import type {} from '../build/contract.js';
import type {} from '../paths/contract.js';
import type {} from '../reconciler/contract.js';
import type {} from '../runtime/contract.js';
import type {} from '../store/contract.js';
import type {} from '../webhooks/contract.js';
import type { ManifestAt } from '../workload/contract.js';
import { deleteDeployment } from './delete.js';
import { RolloutFailedError, reconcileDeployment } from './reconcile.js';
import { RepairBackoff } from '../../lib/repair-backoff.js';
import { registerRoutes } from './routes.js';

export interface DeploymentOptions {
  /** Longest a rollout waits for one new replica to be ready. Default 120000 ms. */
  readyTimeoutMs?: number;
  /** Replicas created at once when scaling up. Default 5. */
  createConcurrency?: number;
}

export function validateOptions(raw: unknown): Required<DeploymentOptions> {
  const o = (raw ?? {}) as Record<string, unknown>;
  if (typeof o !== 'object' || Array.isArray(o)) throw new ValidationError('deployment: options must be an object');
  const out: Required<DeploymentOptions> = { readyTimeoutMs: 120_000, createConcurrency: 5 };
  for (const [key, value] of Object.entries(o)) {
    if (key !== 'readyTimeoutMs' && key !== 'createConcurrency') {
      throw new ValidationError(`deployment.${key}: unknown option; the deployment module takes readyTimeoutMs and createConcurrency`, { field: key });
    }
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      throw new ValidationError(`deployment.${key}: ${JSON.stringify(value)} must be a positive whole number`, { field: key });
    }
    out[key] = value;
  }
  return out;
}

export default defineModule<DeploymentOptions>({
  name: 'deployment',
  description: 'Deployments: replicas, scaling, zero-downtime rollouts, repair, restart and rollback',
  requires: ['store', 'runtime', 'paths', 'api', 'workload', 'kinds'],
  optional: ['reconciler', 'webhooks', 'builds'],
  register(ctx) {
    const options = validateOptions(ctx.options);
    const store = ctx.service('store');
    const workload = ctx.service('workload');
    const reconciler = () => (ctx.has('reconciler') ? ctx.service('reconciler') : undefined);
    const stopping = new AbortController();
    const deps = {
      workload,
      storedSpec: async (ref: ResourceRef) => (await store.getJSON<Manifest>(keys.desired(ref)))?.spec,
      runtime: ctx.service('runtime'),
      paths: ctx.service('paths'),
      log: ctx.log,
      backoff: new RepairBackoff(),
      later: (ref: ResourceRef, ms: number) => reconciler()?.enqueueAfter(ref, ms, 'resync'),
      signal: stopping.signal,
      readyTimeoutMs: options.readyTimeoutMs,
      createConcurrency: options.createConcurrency,
      webhooks: () => (ctx.has('webhooks') ? ctx.service('webhooks') : undefined),
      builds: () => (ctx.has('builds') ? ctx.service('builds') : undefined),
    };

    /** The event's manifest and where it stands; read from the store (revision included) when the event carries none. */
    const desiredOf = async (event: ReconcileEvent): Promise<{ manifest: Manifest; at: ManifestAt } | undefined> => {
      if (event.manifest) return { manifest: event.manifest, at: { revision: event.revision, ...(event.version !== undefined ? { version: event.version } : {}) } };
      const kv = await store.get(keys.desired(event.ref));
      return kv ? { manifest: JSON.parse(kv.value) as Manifest, at: { revision: kv.modRevision, version: kv.version } } : undefined;
    };

    ctx.hooks.onReconcile.for('deployment').tapPromise('deployment', async (event) => {
      if (event.type === 'delete') return deleteDeployment(workload, ctx.log, event.ref);
      const desired = await desiredOf(event);
      if (!desired) return; // deleted since: its delete event follows
      const { manifest, at } = desired;
      const startedAt = new Date().toISOString();
      try {
        await reconcileDeployment(deps, event.ref, manifest, at);
      } catch (err) {
        if (stopping.signal.aborted) ctx.log.info(`${formatRef(event.ref)}: stopped mid-reconcile; the next start finishes it`);
        // on_deploy failure fires on every failed attempt, transient ones included; a stop or a block reported again is none.
        else if (!(err instanceof RolloutFailedError && err.repeated)) {
          deps.webhooks()?.deploy(
            { ref: event.ref, slot: 'failure', error: messageOf(err), started_at: startedAt, completed_at: new Date().toISOString() },
            (manifest.spec as { on_deploy?: OnDeploySpec } | undefined)?.on_deploy,
          );
        }
        throw err;
      }
    });

    workload.registerOps('deployment', workload.standardOps('deployment'));
    registerRoutes(ctx.service('api'), store, workload, () => ctx.service('kinds').withRole('longRunning'));

    return {
      stop() {
        stopping.abort(new Error('controller stopping'));
      },
    };
  },
});
