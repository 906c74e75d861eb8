/**
 * Which release a rollback returns to, for every
 * workload kind: an explicit id must exist, have succeeded and carry a
 * snapshot; without one, the newest succeeded release whose spec differs
 * from the current one (after a failed rollout, that is the spec still
 * serving).
 */
import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors.js';

export interface RollbackCandidate {
  id: string;
  status: string;
  spec_hash: string;
  spec_snapshot?: Record<string, unknown>;
}

export function pickRollbackTarget<R extends RollbackCandidate>(releases: R[], currentHash: string, releaseId?: string): R {
  if (releaseId) {
    const r = releases.find((x) => x.id === releaseId);
    if (!r) throw new NotFoundError(`release ${releaseId} not found; known: ${releases.map((x) => x.id).join(', ') || 'none'}`);
    if (r.status !== 'succeeded') throw new ValidationError(`release ${releaseId} is ${r.status}; only a succeeded release can be rolled back to`, { field: 'release_id' });
    if (!r.spec_snapshot || typeof r.spec_snapshot !== 'object') {
      throw new ValidationError(`release ${releaseId} has no spec snapshot to roll back to`, { field: 'release_id' });
    }
    return r;
  }
  const r = releases.find((x) => x.status === 'succeeded' && x.spec_snapshot && x.spec_hash !== currentHash);
  if (!r) throw new ConflictError('no earlier succeeded release with a different spec to roll back to; pass release_id to choose one');
  return r;
}
