/**
 * One ingress reconcile: put → resolve the route against the
 * target deployment and hand it to the plugin unless it is what was last
 * applied; delete → the plugin's `remove`, then the status goes.
 */
import { type Logger, type ReconcileEvent } from '../../kernel/index.js';
import { TransientError, VooduError, messageOf } from '../../lib/errors.js';
import { formatRef, keys, type Manifest, type ResourceRef } from '../../lib/identity.js';
import type { IngressSpec } from './spec.js';
import type { PluginCallResult, PluginsService } from '../plugins/contract.js';
import type { Runtime } from '../runtime/contract.js';
import type { Store } from '../store/contract.js';
import type { WorkloadService } from '../workload/contract.js';
import type { IngressStatus } from './contract.js';
import { envHash, ingressEnv, resolveHcPath, resolveLbInterval, resolvePort, type TargetSpec } from './resolve.js';
import { resolveUpstreams } from './upstreams.js';

export interface ReconcileDeps {
  store: Store;
  runtime: Runtime;
  workload: WorkloadService;
  plugins: PluginsService;
  plugin: string;
  log: Logger;
  tearingDown(containerId: string): boolean;
  /** Asks for another reconcile of `ref` in `ms`. */
  later(ref: ResourceRef, ms: number): void;
  /** Who holds the host port a plugin error says is taken (port-holder.ts); undefined when the error is about something else. */
  explain?(text: string): Promise<string | undefined>;
}

/** A plugin answer that is not a success, in the plugin's words. */
function failure(plugin: string, command: string, r: PluginCallResult): string | undefined {
  if (r.exitCode === 0 && r.envelope?.status !== 'error') return undefined;
  const why = r.envelope?.error?.trim() || r.stderr.trim() || r.stdout.trim() || 'no output';
  return `plugin "${plugin}" ${command} failed (exit ${r.exitCode}): ${why.length > 1000 ? `…${why.slice(-1000)}` : why}`;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function createIngressReconciler(deps: ReconcileDeps) {
  /** Consecutive re-checks for replicas that do not accept connections yet, per ingress. */
  const pendingRounds = new Map<string, number>();

  async function remove(ref: ResourceRef): Promise<void> {
    const statusKey = keys.status('ingress', ref.scope, ref.name);
    const status = await deps.store.getJSON<IngressStatus>(statusKey);
    if (!status) return;
    const appId = statusKey.slice(statusKey.lastIndexOf('/') + 1);
    const plugin = status.plugin || deps.plugin;
    // redactFor: the plugin's stderr becomes the reconcile error (status and log), masked with this ingress's buckets.
    const r = await deps.plugins.run(plugin, 'remove', { args: [appId], env: { VOODU_APP: appId }, redactFor: { scope: ref.scope, name: ref.name } });
    const why = failure(plugin, 'remove', r);
    if (why) throw new VooduError(why);
    await deps.store.delete(statusKey);
    pendingRounds.delete(formatRef(ref));
  }

  async function put(ref: ResourceRef, manifest: Manifest): Promise<void> {
    const spec = manifest.spec as unknown as IngressSpec;
    const service = spec.service || ref.name;
    const target: ResourceRef = { kind: 'deployment', scope: ref.scope, name: service };
    const deployment = await deps.store.getJSON<Manifest>(keys.desired(target));
    if (!deployment) throw new TransientError(`${formatRef(ref)}: target deployment ${formatRef(target)} does not exist (yet); set service to a deployment in scope "${ref.scope}"`);
    const targetSpec = (deployment.spec ?? {}) as TargetSpec;
    const port = resolvePort(spec, targetSpec);
    const up = await resolveUpstreams(deps, target, port);
    if (!up.running) throw new TransientError(`${formatRef(ref)}: ${formatRef(target)} has no running replica to route to yet`);

    const statusKey = keys.status('ingress', ref.scope, ref.name);
    const appId = statusKey.slice(statusKey.lastIndexOf('/') + 1);
    const env = ingressEnv(spec, { appId, scope: ref.scope, service, port, upstreams: up.ready, hcPath: resolveHcPath(targetSpec), lbInterval: resolveLbInterval(spec, targetSpec) });
    const hash = envHash(deps.plugin, env);
    schedulePending(ref, up.pending);

    const current = await deps.store.getJSON<IngressStatus>(statusKey);
    // Resyncs are cheap: an identical route that was applied cleanly is not handed over again.
    if (current?.env_hash === hash && current.plugin === deps.plugin && !current.last_reconcile_error) return;

    // The first ingress on a host brings its plugin: the copy the project ships, when none is installed.
    let ensured;
    try {
      ensured = await deps.plugins.ensure(deps.plugin);
    } catch (err) {
      throw await portTaken(messageOf(err)) ?? err;
    }
    if (ensured.installedFrom) deps.log.info(`${formatRef(ref)}: installed the ${ensured.installedFrom} plugin "${ensured.name}"${ensured.version ? ` ${ensured.version}` : ''}`);
    const r = await deps.plugins.run(deps.plugin, 'apply', { args: [appId], env, redactFor: { scope: ref.scope, name: ref.name } });
    const why = failure(deps.plugin, 'apply', r);
    if (why) throw (await portTaken(why)) ?? new VooduError(why);
    const data = r.envelope && isRecord(r.envelope.data) ? r.envelope.data : r.envelope?.data !== undefined ? { value: r.envelope.data } : { host: spec.host, service };
    const status: IngressStatus = { plugin: deps.plugin, data, upstreams: up.ready, env_hash: hash, applied_at: new Date().toISOString() };
    await deps.store.putJSON(statusKey, status);
    deps.log.info(`${formatRef(ref)}: ${spec.host} → ${up.ready.join(', ')} (${deps.plugin})`);
  }

  /**
   * A taken host port, named with its holder: retried (2 … 30 s), since it heals once the port is
   * freed, with no change to the ingress.
   */
  async function portTaken(text: string): Promise<TransientError | undefined> {
    const port = await deps.explain?.(text);
    return port ? new TransientError(`the ingress plugin "${deps.plugin}" cannot bind its host ports: ${port} (${text})`) : undefined;
  }

  /** Replicas still coming up: look again in 0.25, 0.5, 1 … 8 s, then leave it to the next event. */
  function schedulePending(ref: ResourceRef, pending: number): void {
    const key = formatRef(ref);
    if (!pending) {
      pendingRounds.delete(key);
      return;
    }
    const round = pendingRounds.get(key) ?? 0;
    if (round >= 6) return;
    pendingRounds.set(key, round + 1);
    deps.later(ref, 250 * 2 ** round);
  }

  return async (event: ReconcileEvent): Promise<void> => {
    if (event.type === 'delete') return remove(event.ref);
    const manifest = event.manifest ?? (await deps.store.getJSON<Manifest>(keys.desired(event.ref)));
    if (!manifest) return;
    return put(event.ref, manifest);
  };
}
