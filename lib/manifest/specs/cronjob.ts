/**
 * cronjob. In HCL the job's fields sit next to `schedule`; on the wire they
 * live under `job`. The schedule and time zone are checked here, where the
 * reference only finds a bad one when the cronjob reconciles.
 */
import type { At } from '../at.js';
import { flag, formatted, record, text, type Decoder, type Shape } from '../decoders.js';
import * as f from '../fields.js';
import { scheduleProblem, timezoneProblem } from '../cron.js';
import type { ConcurrencyPolicy, CronJobSpec } from '../types.js';
import { ordered } from './container.js';
import { validateJob } from './job.js';

/** Fields that stay at the top of a cronjob; everything else written in its HCL block belongs to the job. */
export const CRONJOB_TOP_KEYS = ['schedule', 'concurrency_policy', 'timezone', 'suspend', 'successful_history_limit', 'failed_history_limit'] as const;

const concurrencyPolicy: Decoder<ConcurrencyPolicy> = formatted((p) => {
  if (p === 'Allow' || p === 'Forbid') return undefined;
  if (p.toLowerCase() === 'replace') return '"Replace" is not supported (a running job is never killed for the next one); use "Allow" or "Forbid"';
  return `${JSON.stringify(p)} is not accepted; use "Allow" (the default) or "Forbid" (case-sensitive)`;
}) as Decoder<ConcurrencyPolicy>;

const shape: Shape<CronJobSpec> = {
  schedule: text,
  job: ((v: unknown) => v) as Decoder<CronJobSpec["job"]>, // decoded below, with its own messages
  concurrency_policy: concurrencyPolicy,
  timezone: formatted(timezoneProblem),
  suspend: flag,
  successful_history_limit: f.historyLimit,
  failed_history_limit: f.historyLimit,
};
const KEYS = Object.keys(shape);

export function validateCronJob(raw: unknown, at: At): CronJobSpec {
  const spec = record<CronJobSpec>('a cronjob', shape, { serverKeys: true })(raw, at)!;
  if (!spec.schedule?.trim()) at.key('schedule').fail('is required (e.g. "0 3 * * *" or "@daily")');
  const problem = scheduleProblem(spec.schedule);
  if (problem) at.key('schedule').fail(problem);
  // In HCL the job's fields are written at the cronjob's top level, so name them that way.
  const jobAt = at.origin.hcl ? at.key('job', '') : at.key('job');
  spec.job = validateJob(spec.job ?? {}, jobAt, at.origin.hcl ? 'a cronjob' : "a cronjob's job");
  return ordered(spec, KEYS);
}
