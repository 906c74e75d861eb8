/**
 * One run of a cronjob, for a scheduled fire and
 * for `POST /cronjobs/run` alike: suspended → skipped; `Forbid` with a run
 * of the same cronjob in flight → skipped and logged; otherwise the
 * cronjob's `job` runs through the `jobs` service with kind=cronjob and the
 * cronjob's history limits. "In flight" is asked of the stored status
 * (a `running` run whose container still runs), so a run started by a
 * controller that was killed still counts; the in-memory count is only the
 * reservation that keeps two fires of one tick from both passing before
 * either has written its run.
 */
import type { Logger } from '../../kernel/index.js';
import type { ResourceRef } from '../../lib/identity.js';
import type { CronJobSpec } from './spec.js';
import type { JobSpec } from '../job/spec.js';
import type { JobRun, Jobs, RunHooks, SkippedRun } from '../job/contract.js';
import { entryKey } from './scheduler.js';

export class CronRunner {
  readonly #inFlight = new Map<string, number>();
  readonly #jobs: Jobs;
  readonly #log: Logger;

  constructor(jobs: Jobs, log: Logger) {
    this.#jobs = jobs;
    this.#log = log;
  }

  /** Reserves before its first await, so two fires in the same tick cannot both pass a Forbid. */
  start(ref: ResourceRef, spec: CronJobSpec, why: string, hooks?: RunHooks): Promise<JobRun | SkippedRun> {
    const key = entryKey(ref);
    if (spec.suspend) return Promise.resolve({ skipped: `cronjob/${key} is suspended` });
    const forbid = spec.concurrency_policy === 'Forbid';
    if (forbid && (this.#inFlight.get(key) ?? 0) > 0) return Promise.resolve(this.#skip(key, why));
    this.#inFlight.set(key, (this.#inFlight.get(key) ?? 0) + 1);
    const cronRef = { ...ref, kind: 'cronjob' };
    const limits = {
      ...(spec.successful_history_limit !== undefined && { successful_history_limit: spec.successful_history_limit }),
      ...(spec.failed_history_limit !== undefined && { failed_history_limit: spec.failed_history_limit }),
    };
    return Promise.resolve()
      .then(async () => {
        // Nothing of ours runs (the reservation above says so): a stored live run is a previous controller's.
        if (forbid && (await this.#jobs.running('cronjob', cronRef)) > 0) return this.#skip(key, why);
        return this.#jobs.run({ kind: 'cronjob', ref: cronRef, spec: (spec.job ?? {}) as JobSpec, limits }, hooks);
      })
      .finally(() => {
        const left = (this.#inFlight.get(key) ?? 1) - 1;
        if (left > 0) this.#inFlight.set(key, left);
        else this.#inFlight.delete(key);
      });
  }

  #skip(key: string, why: string): SkippedRun {
    const skipped = `cronjob/${key}: ${why} skipped: concurrency_policy Forbid and a run is still in flight`;
    this.#log.info(skipped);
    return { skipped };
  }

  inFlight(ref: Pick<ResourceRef, 'scope' | 'name'>): number {
    return this.#inFlight.get(entryKey(ref)) ?? 0;
  }
}
