/**
 * `POST /restart` and `POST /rollback` (docs/api.md). The routes belong to no kind: they find the resource, then dispatch
 * to the ops its kind's module registered with the workload service.
 */
import { NotFoundError, ValidationError } from '../../lib/errors.js';
import { assertSegment, keys, parseDesiredKey, type ResourceRef } from '../../lib/identity.js';
import type { Api, ApiRequest } from '../api/contract.js';
import type { Store } from '../store/contract.js';
import type { WorkloadKind, WorkloadService } from '../workload/contract.js';
import { queryFlag } from '../../lib/query-flag.js';

/** `longRunning`: the kinds that keep replicas running, so can be restarted and rolled (the kind registry's role). */
export function registerRoutes(api: Api, store: Store, workload: WorkloadService, longRunning: () => string[]): void {
  api.route('POST', '/restart', async (req) => {
    const ref = await target(store, longRunning(), req, undefined);
    return opsOf(workload, ref).restart(ref, { wait: queryFlag(req.query, 'wait', true) });
  });

  api.route('POST', '/rollback', async (req) => {
    const ref = await target(store, longRunning(), req, 'deployment');
    const releaseId = req.query.release_id || undefined;
    if (releaseId !== undefined && !/^[0-9a-z]{1,20}$/.test(releaseId)) {
      throw new ValidationError(`query.release_id: ${JSON.stringify(releaseId)} is not a release id (see \`voodu describe\` for the history)`, {
        field: 'query.release_id',
      });
    }
    return opsOf(workload, ref).rollback(ref, { ...(releaseId ? { releaseId } : {}), wait: queryFlag(req.query, 'wait', true) });
  });
}

function opsOf(workload: WorkloadService, ref: ResourceRef) {
  const ops = workload.opsFor(ref.kind as WorkloadKind);
  if (!ops) throw new NotFoundError(`${ref.kind}s cannot be restarted or rolled back by this controller: no enabled module handles them`);
  return ops;
}

/**
 * The resource the query names. `kind` defaults to `fallback`, or (none
 * given) to whichever of deployment and statefulset exists; a missing
 * scope is resolved when the name is unique.
 */
async function target(store: Store, restartable: string[], req: ApiRequest, fallback: WorkloadKind | undefined): Promise<ResourceRef> {
  const name = req.query.name;
  if (!name) throw new ValidationError('query.name: required', { field: 'query.name' });
  assertSegment(name, 'query.name');
  const scope = req.query.scope || undefined;
  if (scope !== undefined) assertSegment(scope, 'query.scope');
  const rawKind = req.query.kind || fallback;
  let kinds: WorkloadKind[];
  if (rawKind) {
    const kind = rawKind.toLowerCase().replace(/s$/, '') as WorkloadKind;
    if (!restartable.includes(kind)) {
      throw new ValidationError(`query.kind: ${JSON.stringify(rawKind)} cannot be restarted or rolled back; use ${restartable.join(' or ')}`, { field: 'query.kind' });
    }
    kinds = [kind];
  } else {
    kinds = restartable;
  }
  const found: ResourceRef[] = [];
  for (const kind of kinds) {
    if (scope !== undefined) {
      if (await store.get(keys.desired({ kind, scope, name }))) found.push({ kind, scope, name });
    } else {
      const { items } = await store.list(keys.desiredKind(kind));
      for (const kv of items) {
        const ref = parseDesiredKey(kv.key);
        if (ref?.name === name) found.push(ref);
      }
    }
  }
  const what = `${kinds.join(' or ')} ${scope ? `${scope}/` : ''}${name}`;
  if (!found.length) throw new NotFoundError(`${what} not found`);
  if (found.length > 1) {
    throw new ValidationError(`${what} is ambiguous: ${found.map((r) => `${r.kind}/${r.scope}/${r.name}`).join(', ')}; pass kind= and scope= to choose`, {
      field: 'query.kind',
    });
  }
  return found[0]!;
}
