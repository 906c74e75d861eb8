/**
 * What `prune=true` wipes beyond the manifest when a resource is deleted:
 * its config bucket, its app and volume dirs, and for statefulsets the
 * per-pod docker volumes. Each step reports; one failing does not stop
 * the others.
 */
import { rm } from 'node:fs/promises';
import { messageOf } from '../../lib/errors.js';
import { appId, keys, type ResourceRef } from '../../lib/identity.js';
import type { WorkloadKinds } from '../../lib/name-claims.js';
import type { ConfigService } from '../config/contract.js';
import type { Paths } from '../paths/contract.js';
import type { Runtime } from '../runtime/contract.js';
import type { Store } from '../store/contract.js';

export interface PruneReport {
  config_wiped: boolean;
  app_dir_removed: boolean;
  volume_removed: boolean;
  volumes_removed: string[];
  errors: string[];
}

export interface PruneDeps {
  store: Store;
  kinds: WorkloadKinds;
  paths?: Paths;
  config?: ConfigService;
  runtime?: Runtime;
}

export async function pruneResource(deps: PruneDeps, ref: ResourceRef): Promise<PruneReport> {
  const report: PruneReport = { config_wiped: false, app_dir_removed: false, volume_removed: false, volumes_removed: [], errors: [] };
  const step = async (what: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      report.errors.push(`${what}: ${messageOf(err)}`);
    }
  };
  if (ref.scope) {
    await step('config bucket', async () => {
      if (deps.config) await deps.config.wipe(ref.scope, ref.name);
      else await deps.store.deletePrefix(keys.configBucket(ref.scope, ref.name));
      report.config_wiped = true;
    });
  }
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
  }
  if (ref.kind === 'statefulset' && deps.runtime) {
    await step('docker volumes', async () => {
      const volumes = await deps.runtime!.listVolumes({ createdby: 'voodu', 'voodu.kind': 'statefulset', 'voodu.scope': ref.scope, 'voodu.name': ref.name });
      for (const v of volumes) {
        await step(`volume ${v.name}`, async () => {
          await deps.runtime!.removeVolume(v.name);
          report.volumes_removed.push(v.name);
        });
      }
    });
  }
  return report;
}
