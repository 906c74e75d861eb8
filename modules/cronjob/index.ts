/**
 * The `cronjob` module: reconcile keeps the
 * status and the scheduler's view of each cronjob, and never runs
 * anything; the kernel clock's ticks fire due cronjobs in the background
 * through the `jobs` service (scheduler.ts, runner.ts), on time to the
 * second; `POST /cronjobs/run` runs one now.
 */
import { defineModule } from '../../kernel/index.js';
import { NotFoundError, ValidationError, messageOf } from '../../lib/errors.js';
import { appId, formatRef, keys, type Manifest, type ResourceRef } from '../../lib/identity.js';
import { scheduleProblem, timezoneProblem } from '../../lib/manifest/cron.js';
import type { CronJobSpec } from './spec.js';
import type {} from '../api/contract.js';
import type { JobRun } from '../job/contract.js';
import type {} from '../runtime/contract.js';
import type {} from '../store/contract.js';
import type {} from '../workload/contract.js';
import type { CronJobStatus } from './contract.js';
import { NextRunWriter } from './next-run.js';
import { CronRunner } from './runner.js';
import { CronScheduler, entryKey, type CronEntry } from './scheduler.js';

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

export default defineModule({
  name: 'cronjob',
  description: 'Cronjobs: jobs fired on a cron schedule (time zone, suspend, Forbid), and POST /cronjobs/run',
  requires: ['store', 'runtime', 'api', 'workload', 'jobs'],
  register(ctx) {
    const store = ctx.service('store');
    const runtime = ctx.service('runtime');
    const workload = ctx.service('workload');
    const api = ctx.service('api');
    const jobs = ctx.service('jobs');
    const runner = new CronRunner(jobs, ctx.log);
    /** What the scheduler reads on every tick: the cronjobs as of their last reconcile. */
    const entries = new Map<string, CronEntry & { spec: CronJobSpec }>();

    const nextRuns = new NextRunWriter(async (ref, nextRun) => {
      const statusRef = { kind: 'cronjob', scope: ref.scope, name: ref.name };
      // Deleted meanwhile: writing would bring back the status the delete cleared.
      if (!entries.has(entryKey(ref)) || !(await store.get(keys.desired(statusRef)))) return;
      await workload.status.patch(statusRef, { next_run: nextRun });
    }, ctx.log);
    const scheduler = new CronScheduler(ctx.log, (ref, next) => nextRuns.set(ref, iso(next)));

    ctx.hooks.onTick.tap('cronjob', (tick) => {
      for (const fire of scheduler.pass(tick.now, entries.values())) {
        const entry = entries.get(entryKey(fire.ref));
        if (!entry) continue;
        const what = `fire due ${iso(fire.due)}`;
        ctx.log.info(`${formatRef(fire.ref)}: ${what} (tick ${iso(tick.now)})`);
        // In the background: the clock never waits for a run.
        runner
          .start(fire.ref, entry.spec, what)
          .then((r) => 'run_id' in r && report(fire.ref, r))
          .catch((err) => ctx.log.error(`${formatRef(fire.ref)}: ${what}: ${messageOf(err)}`));
      }
    });

    const report = (ref: ResourceRef, run: JobRun) => {
      const line = `${formatRef(ref)} run ${run.run_id} ${run.status}${run.error ? `: ${run.error}` : ''}`;
      if (run.status === 'succeeded') ctx.log.info(line);
      else ctx.log.warn(line);
    };

    ctx.hooks.onReconcile.for('cronjob').tapPromise('cronjob', async (event) => {
      const ref = { kind: 'cronjob' as const, scope: event.ref.scope, name: event.ref.name };
      const key = entryKey(ref);
      if (event.type === 'delete') {
        entries.delete(key);
        for (const c of await workload.listAll(ref)) await runtime.remove(c.id, { force: true });
        await workload.status.clear(ref);
        return;
      }
      const manifest = event.manifest ?? (await store.getJSON<Manifest>(keys.desired(ref)));
      if (!manifest) return; // deleted since: its delete event follows
      let spec: CronJobSpec;
      let image: string;
      try {
        spec = checkSpec(manifest.spec);
        image = workload.defaults('cronjob', ref, (spec.job ?? {}) as Record<string, unknown>).image;
      } catch (err) {
        entries.delete(key); // an unusable cronjob does not fire
        throw err;
      }
      const timezone = spec.timezone || 'UTC';
      let persistedNext: number | undefined;
      await workload.status.patch(ref, (cur) => {
        const st = cur as CronJobStatus;
        const history = st.history ?? [];
        // The scheduler writes next_run; it stays valid only while the schedule it came from does.
        const keep = !spec.suspend && st.schedule === spec.schedule && st.timezone === timezone;
        persistedNext = keep && st.next_run ? Date.parse(st.next_run) || undefined : undefined;
        const newest = history[0];
        return { schedule: spec.schedule, timezone, image, history, last_run: newest?.ended_at ?? newest?.started_at, next_run: keep ? st.next_run : undefined };
      });
      entries.set(key, { ref, schedule: spec.schedule, timezone: spec.timezone ?? '', suspend: spec.suspend === true, spec, persistedNext });
      // Runs a restart interrupted are finished (or killed at their deadline) by this controller.
      await jobs.adopt('cronjob', ref, spec);
    });

    api.raw('POST', '/cronjobs/run', async (req, raw) => {
      const ref = await jobs.resolve('cronjob', req.query.name, req.query.scope);
      const manifest = await store.getJSON<Manifest>(keys.desired(ref));
      if (!manifest) throw new NotFoundError(`cronjob/${appId(ref.scope, ref.name)} not found — apply it first`);
      const spec = checkSpec(manifest.spec);
      await jobs.serve(raw, req.query.follow === 'true', (hooks) => runner.start(ref, spec, 'forced run', hooks));
    });
  },
});

/**
 * The fields the scheduler relies on, checked again here: /apply validates
 * them, but a manifest stored by an older controller may not have been.
 */
function checkSpec(raw: unknown): CronJobSpec {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ValidationError('spec: must be an object', { field: 'spec' });
  const spec = raw as CronJobSpec;
  const schedule = typeof spec.schedule === 'string' ? spec.schedule : '';
  const problem = schedule.trim() ? scheduleProblem(schedule) : 'is required (e.g. "0 3 * * *" or "@daily")';
  if (problem) throw new ValidationError(`spec.schedule: ${problem}`, { field: 'spec.schedule' });
  const tzProblem = spec.timezone ? timezoneProblem(spec.timezone) : undefined;
  if (tzProblem) throw new ValidationError(`spec.timezone: ${tzProblem}`, { field: 'spec.timezone' });
  const policy = spec.concurrency_policy as string | undefined;
  if (policy !== undefined && policy !== '' && policy !== 'Allow' && policy !== 'Forbid') {
    throw new ValidationError(`spec.concurrency_policy: ${JSON.stringify(policy)} is not accepted; use "Allow" (the default) or "Forbid"`, { field: 'spec.concurrency_policy' });
  }
  return spec;
}
