/** Release ids and records: newest first on the status blob, at most 10. */
import { randomBytes } from 'node:crypto';
import type { ResourceRef } from '../../lib/identity.js';
import type { ReleaseRecord, StatusStore } from './contract.js';

export const RELEASE_HISTORY = 10;

/** base36(unix seconds) + 2 hex: sortable by time, distinct within a second. */
export function newReleaseId(now = Date.now()): string {
  return Math.floor(now / 1000).toString(36) + randomBytes(1).toString('hex');
}

export async function appendRelease(status: StatusStore, ref: ResourceRef, record: ReleaseRecord): Promise<void> {
  await status.patch(ref, (cur) => ({
    releases: [record, ...(Array.isArray(cur.releases) ? cur.releases : []).filter((r) => r?.id !== record.id)].slice(0, RELEASE_HISTORY),
  }));
}

export async function updateRelease(status: StatusStore, ref: ResourceRef, id: string, fields: Partial<ReleaseRecord>): Promise<boolean> {
  let found = false;
  await status.patch(ref, (cur) => {
    const releases = (Array.isArray(cur.releases) ? cur.releases : []).map((r) => {
      if (r?.id !== id) return r;
      found = true;
      return { ...r, ...fields, id };
    });
    return found ? { releases } : {};
  });
  return found;
}

/** See WorkloadService.clearedRelease. A record whose commands are still running (or failed) clears nothing. */
export function clearedRelease(releases: ReleaseRecord[] | undefined, hash: string, imageId: string): ReleaseRecord | undefined {
  return (Array.isArray(releases) ? releases : []).find(
    (r) =>
      r?.spec_hash === hash &&
      (!r.image_id || !imageId || r.image_id === imageId) &&
      (r.status === 'succeeded' || (r.status === 'running' && (r.phase === 'rollout' || r.phase === 'post_command'))),
  );
}
