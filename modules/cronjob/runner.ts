/**
 * One run of a cronjob, for a scheduled fire and
 * for `POST /cronjobs/run` alike: suspended → skipped; `Forbid` with a run
 * of the same cronjob in flight (in memory, this controller) → skipped and
 * logged; otherwise the cronjob's `job` runs through the `jobs` service with
 * kind=cronjob and the cronjob's history limits.
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

  /** Decides run-or-skip before its first await, so two fires in the same tick cannot both pass a Forbid. */
  start(ref: ResourceRef, spec: CronJobSpec, why: string, hooks?: RunHooks): Promise<JobRun | SkippedRun> {
    const key = entryKey(ref);
    if (spec.suspend) return Promise.resolve({ skipped: `cronjob/${key} is suspended` });
    if (spec.concurrency_policy === 'Forbid' && (this.#inFlight.get(key) ?? 0) > 0) {
      const skipped = `cronjob/${key}: ${why} skipped: concurrency_policy Forbid and a run is still in flight`;
      this.#log.info(skipped);
      return Promise.resolve({ skipped });
    }
    this.#inFlight.set(key, (this.#inFlight.get(key) ?? 0) + 1);
    const limits = {
      ...(spec.successful_history_limit !== undefined && { successful_history_limit: spec.successful_history_limit }),
      ...(spec.failed_history_limit !== undefined && { failed_history_limit: spec.failed_history_limit }),
    };
    return Promise.resolve()
      .then(() => this.#jobs.run({ kind: 'cronjob', ref: { ...ref, kind: 'cronjob' }, spec: (spec.job ?? {}) as JobSpec, limits }, hooks))
      .finally(() => {
        const left = (this.#inFlight.get(key) ?? 1) - 1;
        if (left > 0) this.#inFlight.set(key, left);
        else this.#inFlight.delete(key);
      });
  }

  inFlight(ref: Pick<ResourceRef, 'scope' | 'name'>): number {
    return this.#inFlight.get(entryKey(ref)) ?? 0;
  }
}
