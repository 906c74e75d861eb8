/**
 * The `job` module (spec core.md §1.5, §5.5, decision 8): a job manifest is
 * stored and its status kept by reconcile, which never runs anything;
 * `POST /jobs/run` runs it once, synchronously (run.ts).
 */
import { NotFoundError, ValidationError, assertSegment, defineModule, keys, parseDesiredKey, type Manifest, type ResourceRef } from '../../kernel/index.js';
import type { ApiRequest } from '../api/contract.js';
import type {} from '../reconciler/contract.js';
import type {} from '../runtime/contract.js';
import type { Store } from '../store/contract.js';
import type {} from '../workload/contract.js';
import type { JobRun, JobStatus } from './contract.js';
import { lastRunOf } from './history.js';
import { runJob } from './run.js';

export default defineModule({
  name: 'job',
  description: 'Jobs: run-once containers on demand (POST /jobs/run), with timeout and run history',
  requires: ['store', 'runtime', 'api', 'workload'],
  register(ctx) {
    const store = ctx.service('store');
    const runtime = ctx.service('runtime');
    const workload = ctx.service('workload');
    const api = ctx.service('api');
    const deps = { store, runtime, workload, log: ctx.log };

    ctx.hooks.onReconcile.for('job').tapPromise('job', async (event) => {
      const ref = { kind: 'job' as const, scope: event.ref.scope, name: event.ref.name };
      if (event.type === 'delete') {
        for (const c of await workload.listAll(ref)) await runtime.remove(c.id, { force: true });
        await workload.status.clear(ref);
        return;
      }
      const manifest = event.manifest ?? (await store.getJSON<Manifest>(keys.desired(ref)));
      if (!manifest) return; // deleted since: its delete event follows
      const w = workload.defaults('job', ref, manifest.spec ?? {});
      await workload.status.patch(ref, (cur) => {
        const history = ((cur as JobStatus).history ?? []) as JobRun[];
        return { image: w.image, history, last_run: lastRunOf(history) };
      });
    });

    // Raw: a failed run answers 500 with the run as `data`, which the enveloping route cannot express.
    api.raw('POST', '/jobs/run', async (req, { res }) => {
      const ref = await target(store, req);
      const run = await runJob(deps, ref);
      const ok = run.status === 'succeeded';
      const body = ok ? { status: 'ok', data: run } : { status: 'error', error: run.error ?? `run ${run.run_id} failed`, data: run };
      res.writeHead(ok ? 200 : 500, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  },
});

/** The job the query names; a missing scope is resolved when the name is unique. */
async function target(store: Store, req: ApiRequest): Promise<ResourceRef> {
  const name = req.query.name;
  if (!name) throw new ValidationError('query.name: required (the job to run)', { field: 'query.name' });
  assertSegment(name, 'query.name');
  const scope = req.query.scope || undefined;
  if (scope !== undefined) {
    assertSegment(scope, 'query.scope');
    return { kind: 'job', scope, name }; // runJob answers 404 when it is not stored
  }
  const found = (await store.list(keys.desiredKind('job'))).items.map((kv) => parseDesiredKey(kv.key)).filter((r): r is ResourceRef => r?.name === name);
  if (!found.length) throw new NotFoundError(`job ${name} not found — apply it first`);
  if (found.length > 1) {
    throw new ValidationError(`job ${name} is ambiguous: ${found.map((r) => `${r.scope}/${r.name}`).join(', ')}; pass scope= to choose`, { field: 'query.scope' });
  }
  return found[0]!;
}
