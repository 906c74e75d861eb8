/** The `workload` service, assembled from its parts (see contract.ts). */
import type { Logger } from '../../kernel/index.js';
import type { Assets } from '../assets/contract.js';
import type { ConfigService } from '../config/contract.js';
import type { Paths } from '../paths/contract.js';
import type { Runtime } from '../runtime/contract.js';
import type { Reconciler } from '../reconciler/contract.js';
import { EventReason, type Events } from '../events/contract.js';
import { NotFoundError, messageOf } from '../../lib/errors.js';
import { appId } from '../../lib/identity.js';
import type { Store } from '../store/contract.js';
import type { Readiness, Workload, WorkloadOps, WorkloadService } from './contract.js';
import { buildContainerSpec } from './container.js';
import { applyDefaults } from './defaults.js';
import { syncEnv } from './env.js';
import { currentEnvHashes, decideEnvTarget } from './env-target.js';
import { createFrozenSets } from './frozen.js';
import { runInitChain } from './inits.js';
import { resolveFields, type ResolvedFields } from './interpolate.js';
import { createdMs, identityLabels, isIdentity, toReplica } from './labels.js';
import { DEFAULT_GRACE_MS, graceReadiness } from './readiness.js';
import { standardOps } from './standard-ops.js';
import { appendRelease, clearedRelease, newReleaseId, updateRelease } from './releases.js';
import { specHash } from './spec-hash.js';
import type { KindRegistry } from '../../lib/manifest/kind-registry.js';
import { createStatusStore } from './status.js';

export interface WorkloadDeps {
  store: Store;
  kinds: KindRegistry;
  runtime: Runtime;
  paths: Paths;
  config: ConfigService;
  /** Looked up late: optional services may be absent. */
  assets: () => Assets | undefined;
  reconciler: () => Reconciler | undefined;
  events: () => Events | undefined;
  /** A provided `readiness` service: the gate for workloads with a readiness or startup probe. */
  readiness?: Readiness;
  log: Logger;
  graceMs?: number;
  initRetryPauseMs?: number;
}

/** Probes that decide readiness: a readiness or a startup probe (liveness alone does not). */
function hasGatingProbe(probes: unknown): boolean {
  return typeof probes === 'object' && probes !== null && ('readiness' in probes || 'startup' in probes);
}

export function createWorkloadService(deps: WorkloadDeps): WorkloadService {
  const { store, runtime, log } = deps;
  const status = createStatusStore(store);
  const frozen = createFrozenSets(store);
  const grace = graceReadiness(runtime, deps.graceMs);
  // A provided gate (probes) answers for workloads that declare a readiness or startup probe; every
  // other replica is judged by the grace period here, so no provider has to re-implement it.
  let provided: Readiness | undefined = deps.readiness;
  const readiness: Readiness = {
    waitReady: (container, opts) => (provided && hasGatingProbe(opts.probes) ? provided : grace).waitReady(container, opts),
  };
  // One interpolation per Workload value, however many replicas are built from it.
  const resolved = new WeakMap<Workload, Promise<ResolvedFields>>();
  const fieldsOf = (w: Workload) => {
    let p = resolved.get(w);
    if (!p) {
      p = resolveFields(deps.assets(), w);
      p.catch(() => resolved.delete(w));
      resolved.set(w, p);
    }
    return p;
  };
  const warnedOptions = new Set<string>();
  const ops = new Map<string, WorkloadOps>();

  const service: WorkloadService = {
    defaults: applyDefaults,
    specHash: (w) =>
      specHash(w, async (ref, scope) => {
        const assets = deps.assets();
        if (!assets) return undefined;
        const target = await assets.resolveRef(ref, scope).catch(() => undefined);
        return target ? (await assets.status(target.scope, target.name))?.files[target.key] : undefined;
      }),
    syncEnv: (w) => syncEnv({ store, kinds: deps.kinds, paths: deps.paths, config: deps.config, assets: deps.assets, log }, w),
    async envTarget(w, env, at) {
      const input = { ...at, spec: w.rawSpec, envHash: env.hash };
      const decision = decideEnvTarget((await status.read(w.ref)).env_target, input);
      // Stored before the reconcile creates anything, so a replica it creates is on a recorded env even if
      // it stops halfway. Reconciles of one resource are serial: nothing else writes this field meanwhile.
      if (decision.changed) await status.patch(w.ref, (cur) => ({ env_target: decideEnvTarget(cur.env_target, input).record }));
      return { hash: decision.record.hash, current: currentEnvHashes(decision.record, env.hash), moved: decision.moved };
    },
    async containerSpec(w, env, replica) {
      if (w.dockerOptions.length && !warnedOptions.has(w.appId)) {
        warnedOptions.add(w.appId);
        log.warn(`${w.appId}: docker_options are not applied (the engine API has no spelling for raw docker run flags)`);
      }
      return buildContainerSpec(w, await fieldsOf(w), env, replica);
    },
    async list(ref) {
      const all = await runtime.list(identityLabels(ref));
      return all
        .filter((c) => isIdentity(c, ref) && (c.labels['voodu.role'] ?? ref.kind) === ref.kind)
        .map(toReplica)
        .sort((a, b) => createdMs(a) - createdMs(b) || a.name.localeCompare(b.name));
    },
    async listAll(ref) {
      return (await runtime.list(identityLabels(ref))).filter((c) => isIdentity(c, ref));
    },
    async retire(idOrName, opts = {}) {
      // Drain = stop with the network still attached: the process gets SIGTERM and finishes what it
      // serves, new connections are refused at once (clients move to the next address), and only when
      // it has exited do its address and DNS record go. Disconnecting first instead would leave every
      // connection in flight hanging on an address that no longer exists.
      // Without an override the engine uses the container's own stop signal and grace period (stop_grace_period).
      await runtime.stop(idOrName, opts.timeoutSec === undefined ? {} : { timeoutSec: opts.timeoutSec }).catch(async (err) => {
        // A container that cannot be stopped politely is still removed by force.
        log.debug(`stop of ${idOrName}: ${String(err)}`);
      });
      await runtime.remove(idOrName, { force: true });
    },
    async imageDrifted(container, image) {
      const current = await runtime.imageId(image);
      return current !== undefined && container.imageId !== '' && current !== container.imageId;
    },
    graceMs: deps.graceMs ?? DEFAULT_GRACE_MS,
    record(ref, event) {
      deps.events()?.record(ref, event);
    },
    async ensureImage(ref, image) {
      // Build mode's images (`<appId>:<buildId>`) exist only where `voodu apply` built them: never pulled.
      if (image.startsWith(`${appId(ref.scope, ref.name)}:`)) {
        const id = await runtime.imageId(image);
        if (id) return id;
        const err = new NotFoundError(
          `image ${image} is not on this host: build mode images are built by \`voodu apply\` from the source; apply again from the directory with the Dockerfile (or set \`image\`)`,
        );
        deps.events()?.record(ref, { type: 'warning', reason: EventReason.PullFailed, message: err.message });
        throw err;
      }
      try {
        const { id, pulled } = await runtime.ensureImage(image);
        if (pulled) deps.events()?.record(ref, { type: 'normal', reason: EventReason.Pulled, message: `pulled image ${image}` });
        return id;
      } catch (err) {
        deps.events()?.record(ref, { type: 'warning', reason: EventReason.PullFailed, message: messageOf(err) });
        throw err;
      }
    },
    async resolvedImage(w) {
      return (await fieldsOf(w)).image;
    },
    async runInits(w, env, replica, opts = {}) {
      await runInitChain(
        { runtime, status, assets: deps.assets(), log, ...(deps.initRetryPauseMs !== undefined && { retryPauseMs: deps.initRetryPauseMs }) },
        w,
        await fieldsOf(w),
        env,
        replica,
        opts.signal,
      );
    },
    newReleaseId: () => newReleaseId(),
    appendRelease: (ref, record) => appendRelease(status, ref, record),
    updateRelease: (ref, id, fields) => updateRelease(status, ref, id, fields),
    clearedRelease,
    registerOps(kind, impl) {
      if (ops.has(kind)) throw new Error(`workload ops for ${kind} are already registered`);
      ops.set(kind, impl);
    },
    opsFor: (kind) => ops.get(kind),
    standardOps: (kind) =>
      standardOps(kind, { store: deps.store, workload: service, reconciler: deps.reconciler, imageExists: async (image) => (await runtime.imageId(image)) !== undefined }),
    frozen,
    status,
    get readiness() {
      return readiness;
    },
    setReadiness(r) {
      provided = r;
    },
  };
  return service;
}
