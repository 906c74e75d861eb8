/**
 * `stop` and `start` of one pod. Stop can freeze the
 * replica so reconciles leave it down. Start of a managed pod does not
 * restart the old container: it removes it and re-puts the manifest, so
 * the reconciler creates a fresh one with today's env and spec (and a new
 * replica id for deployments). Containers without voodu identity are
 * simply started.
 */
import { type Logger } from '../../kernel/index.js';
import { ValidationError } from '../../lib/errors.js';
import { formatRef, keys } from '../../lib/identity.js';
import type { Reconciler } from '../reconciler/contract.js';
import type { Runtime } from '../runtime/contract.js';
import type { Store } from '../store/contract.js';
import { vooduContainer } from './detail.js';
import { GoneError } from './errors.js';
import { freeze, unfreeze } from './freeze.js';
import { LABEL, labelledRef, ownerOf } from './identity.js';

export interface LifecycleDeps {
  runtime: Runtime;
  store: Store;
  log: Logger;
  reconciler?: () => Reconciler | undefined;
}

export async function stopPod(deps: LifecycleDeps, name: string, freezeIt: boolean): Promise<{ name: string; freeze: boolean }> {
  const c = await vooduContainer(deps.runtime, name);
  const ref = labelledRef(c);
  const replicaId = c.labels[LABEL.replicaId];
  if (!ref || !replicaId) {
    throw new ValidationError(
      `pod "${name}" has no voodu identity (labels voodu.kind, voodu.name and voodu.replica_id), so there is no slot to stop or freeze; use docker stop for it`,
      { field: 'name' },
    );
  }
  await deps.runtime.stop(name);
  if (freezeIt) await freeze(deps.store, ref, replicaId);
  deps.log.info(`stopped pod ${name}${freezeIt ? ` and froze replica ${replicaId} of ${formatRef(ref)}` : ''}`);
  return { name, freeze: freezeIt };
}

export async function startPod(
  deps: LifecycleDeps,
  name: string,
): Promise<{ name: string; recreated: boolean; unfroze: boolean }> {
  const c = await vooduContainer(deps.runtime, name);
  const ref = labelledRef(c);
  if (!ref) {
    await deps.runtime.start(name);
    deps.log.info(`started unmanaged pod ${name}`);
    return { name, recreated: false, unfroze: false };
  }
  const owner = ownerOf(c) ?? ref;
  const key = keys.desired(owner);
  const manifest = await deps.store.get(key);
  if (!manifest) {
    throw new GoneError(
      `pod "${name}" belongs to ${formatRef(owner)}, whose manifest is gone, so nothing would recreate it; re-apply the manifest, or remove the container`,
    );
  }
  const replicaId = c.labels[LABEL.replicaId];
  const unfroze = replicaId ? await unfreeze(deps.store, ref, replicaId) : false;
  await deps.runtime.remove(name, { force: true });
  // The same bytes at a new revision: the watch fires and the reconciler rebuilds what is missing.
  // If someone changed the manifest meanwhile, their put already does that.
  await deps.store.txn({
    compare: [{ key, target: 'mod', op: '==', value: manifest.modRevision }],
    success: [{ op: 'put', key, value: manifest.value }],
  });
  deps.reconciler?.()?.enqueue(owner, 'manual');
  deps.log.info(`removed pod ${name} for ${formatRef(owner)} to recreate${unfroze ? `; unfroze replica ${replicaId}` : ''}`);
  return { name, recreated: true, unfroze };
}
