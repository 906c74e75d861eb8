/**
 * The `job` module: a job manifest is
 * stored and its status kept by reconcile, which never runs anything;
 * `POST /jobs/run` runs it once, synchronously (run.ts), or streamed with
 * `follow=true` (serve.ts). It provides the `jobs` service, which runs any
 * job-like workload (the cronjob module's fires go through it), and
 * carries out the `run_job` action (action.ts).
 */
import { defineModule } from '../../kernel/index.js';
import { keys, type Manifest } from '../../lib/identity.js';
import type { JobSpec } from './spec.js';
import { OPEN_TO_PLUGINS } from '../api/contract.js';
import type {} from '../reconciler/contract.js';
import type {} from '../runtime/contract.js';
import type {} from '../store/contract.js';
import type {} from '../workload/contract.js';
import { tapRunJob } from './action.js';
import type { JobRun, JobStatus, Jobs } from './contract.js';
import { lastRunOf } from './history.js';
import { requireManifest, resolveRef } from './resolve.js';
import { adoptRuns, runJob, runningRuns } from './run.js';
import { limitsOf } from './history.js';
import { serveRun } from './serve.js';

export default defineModule({
  name: 'job',
  description: 'Jobs: run-once containers on demand (POST /jobs/run), with timeout and run history; the jobs service and the run_job action',
  requires: ['store', 'runtime', 'api', 'workload'],
  provides: ['jobs'],
  register(ctx) {
    const store = ctx.service('store');
    const runtime = ctx.service('runtime');
    const workload = ctx.service('workload');
    const api = ctx.service('api');
    const deps = { store, runtime, workload, log: ctx.log, watched: new Set<string>() };

    const jobs: Jobs = {
      run: (req, hooks) => runJob(deps, req, hooks),
      resolve: (kind, name, scope) => resolveRef(store, kind, name, scope),
      serve: (raw, follow, start) => serveRun(deps, raw, follow, start),
      adopt: (kind, ref, limits) => adoptRuns(deps, kind, ref, limitsOf(limits ?? {})),
      running: (kind, ref) => runningRuns(deps, kind, ref),
    };
    ctx.provide('jobs', jobs);

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
      // A run the status says is going but nobody here waits on: a restart interrupted it.
      await jobs.adopt('job', ref, manifest.spec as JobSpec);
    });

    api.raw('POST', '/jobs/run', async (req, raw) => {
      const ref = await resolveRef(store, 'job', req.query.name, req.query.scope);
      const manifest = await requireManifest(store, ref);
      await jobs.serve(raw, req.query.follow === 'true', (hooks) => jobs.run({ kind: 'job', ref, spec: (manifest.spec ?? {}) as JobSpec }, hooks));
    }, OPEN_TO_PLUGINS);

    tapRunJob(ctx.hooks, { store, jobs, log: ctx.log });
  },
});
