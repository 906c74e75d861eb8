/**
 * The apply `check` stage's name rule: no resource of the batch may take a
 * name (app id, env file, status key, container or volume name, asset
 * directory) that a different stored resource or another resource of the
 * batch already takes. The stored manifests come from one range read of
 * `/desired/`, not one read per manifest. Refuses on a dry run too, and
 * before anything is written.
 */
import { ValidationError } from '../../lib/errors.js';
import { type Manifest } from '../../lib/identity.js';
import { batchClash, clashMessage, type NameLayout, type WorkloadKinds } from '../../lib/name-claims.js';
import type { Store } from '../store/contract.js';
import { listManifests } from './desired.js';

export async function checkNameClashes(store: Store, kinds: WorkloadKinds, layout: NameLayout | undefined, batch: Manifest[]): Promise<void> {
  if (!batch.length) return;
  const clash = batchClash(batch, await listManifests(store), kinds, layout);
  if (clash) throw new ValidationError(clashMessage(clash), { field: 'name' });
}
