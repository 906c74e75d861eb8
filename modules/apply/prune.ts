/**
 * What `prune=true` wipes beyond the manifest when a resource is deleted:
 * its config bucket, its app and volume dirs, and for statefulsets the
 * per-pod docker volumes. Each step reports; one failing does not stop
 * the others.
 *
 * The routes delete the manifest and prune at once, while the reconciler
 * tears the pods down on its own time: a volume still mounted by a pod
 * cannot be removed. So a statefulset's pods are waited for first (bounded),
 * and those still there at the deadline are removed here.
 */
import { rm } from 'node:fs/promises';
import { messageOf } from '../../lib/errors.js';
import { appId, keys, type ResourceRef } from '../../lib/identity.js';
import type { WorkloadKinds } from '../../lib/name-claims.js';
import type { Builds } from '../build/contract.js';
import type { ConfigService } from '../config/contract.js';
import type { Paths } from '../paths/contract.js';
import type { Runtime } from '../runtime/contract.js';
import type { Store } from '../store/contract.js';

export interface PruneReport {
  config_wiped: boolean;
  app_dir_removed: boolean;
  volume_removed: boolean;
  volumes_removed: string[];
  /** Build mode's image tags of the app (`<app>:<build id>`, `<app>:latest`). */
  images_removed?: string[];
  /** Pods still there when the wait for the reconciler's teardown ran out, removed by prune itself. */
  containers_removed: string[];
  errors: string[];
}

export interface PruneDeps {
  store: Store;
  kinds: WorkloadKinds;
  paths?: Paths;
  config?: ConfigService;
  runtime?: Runtime;
  /** Build mode: a deleted app's build images go with it. */
  builds?: Builds;
  /** How long to wait for a statefulset's pods to go before removing them here; default 60 s. */
  teardownTimeoutMs?: number;
  /** Poll interval of that wait; default 250 ms. */
  teardownPollMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until no container carries the resource's identity labels (pods, inits, releases), up to the
 * deadline; then force-removes what is left. Answers the names it removed itself.
 */
async function awaitTeardown(runtime: Runtime, ref: ResourceRef, timeoutMs: number, pollMs: number): Promise<string[]> {
  const labels = { createdby: 'voodu', 'voodu.kind': ref.kind, 'voodu.name': ref.name, ...(ref.scope ? { 'voodu.scope': ref.scope } : {}) };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = await runtime.list(labels, { all: true });
    if (left.length === 0) return [];
    if (Date.now() >= deadline) {
      for (const c of left) await runtime.remove(c.id, { force: true });
      return left.map((c) => c.name);
    }
    await sleep(pollMs);
  }
}

export async function pruneResource(deps: PruneDeps, ref: ResourceRef): Promise<PruneReport> {
  const report: PruneReport = { config_wiped: false, app_dir_removed: false, volume_removed: false, volumes_removed: [], containers_removed: [], errors: [] };
  const step = async (what: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      report.errors.push(`${what}: ${messageOf(err)}`);
    }
  };
  // Volumes first: the wait for the pods is the long part, and nothing else depends on it.
  if (ref.kind === 'statefulset' && deps.runtime) {
    const runtime = deps.runtime;
    let gone = false;
    await step('pods', async () => {
      report.containers_removed = await awaitTeardown(runtime, ref, deps.teardownTimeoutMs ?? 60_000, deps.teardownPollMs ?? 250);
      gone = true;
    });
    if (gone) {
      await step('docker volumes', async () => {
        const volumes = await runtime.listVolumes({ createdby: 'voodu', 'voodu.kind': 'statefulset', 'voodu.scope': ref.scope, 'voodu.name': ref.name });
        for (const v of volumes) {
          await step(`volume ${v.name}`, async () => {
            await runtime.removeVolume(v.name);
            report.volumes_removed.push(v.name);
          });
        }
      });
    }
  }
  if (ref.scope) {
    await step('config bucket', async () => {
      if (deps.config) await deps.config.wipe(ref.scope, ref.name);
      else await deps.store.deletePrefix(keys.configBucket(ref.scope, ref.name));
      report.config_wiped = true;
    });
  }
  // Its event log is history of a resource that is gone for good now.
  await step('events', async () => {
    await deps.store.delete(keys.events(ref));
  });
  // Exact dirs of this app id: the apply name check keeps any other resource off them.
  if (deps.kinds.is(ref.kind, 'workload') && deps.paths) {
    const id = appId(ref.scope, ref.name);
    await step('app dir', async () => {
      await rm(deps.paths!.appDir(id), { recursive: true, force: true });
      report.app_dir_removed = true;
    });
    await step('volume dir', async () => {
      await rm(deps.paths!.volumeDir(id), { recursive: true, force: true });
      report.volume_removed = true;
    });
    if (deps.builds) {
      const builds = deps.builds;
      await step('build images', async () => {
        const removed = await builds.forget(id);
        if (removed.length) report.images_removed = removed;
      });
    }
  }
  return report;
}
