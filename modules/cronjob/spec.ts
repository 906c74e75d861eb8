/**
 * cronjob. In HCL the job's fields sit next to `schedule`; on the wire they
 * live under `job`. The schedule and time zone are checked here, where the
 * reference only finds a bad one when the cronjob reconciles.
 */
import type { At } from '../../lib/manifest/at.js';
import { flag, formatted, record, text, type Decoder, type Shape } from '../../lib/manifest/decoders.js';
import * as f from '../../lib/manifest/fields.js';
import { scheduleProblem, timezoneProblem } from '../../lib/manifest/cron.js';
import { ordered } from '../../lib/manifest/container.js';
import { validateJob } from '../job/spec.js';
import type { JobSpec } from '../job/spec.js';
import type { KindDefinition } from '../../lib/manifest/kind-registry.js';
import { CONTAINER_BLOCKS } from '../../lib/manifest/hcl-rules.js';

export type ConcurrencyPolicy = 'Allow' | 'Forbid';

export interface CronJobSpec {
  schedule: string;
  job: JobSpec;
  concurrency_policy?: ConcurrencyPolicy;
  timezone?: string;
  suspend?: boolean;
  successful_history_limit?: number;
  failed_history_limit?: number;
  _asset_digests?: Record<string, string>;
}

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

export const cronjobKind: KindDefinition = {
  name: 'cronjob',
  scope: 'required',
  summary: 'A job run on a schedule (cron syntax, optional time zone), with a concurrency policy and a history of runs.',
  fields: {
    schedule: {
      type: 'string',
      doc: 'When it fires, in the `timezone`: five fields `"minute hour day-of-month month day-of-week"` (`*`, `N`, `A-B`, comma lists, `/step`, day names `sun`–`sat`; no month names) or `@hourly`, `@daily`, `@weekly`, `@monthly`, `@yearly`; required. A restricted day-of-month and day-of-week match either, as in Vixie cron.',
    },
    job: {
      type: 'job fields (flat in HCL)',
      doc: 'What each fire runs: every field of a `job` (`image`, `command`, `env`, `env_from`, `volumes`, `timeout`, `build`, `resources`, `logs`, `labels`, …), written directly in the cronjob\'s block in HCL but stored under `job`. `successful_history_limit` and `failed_history_limit` written in the block are the cronjob\'s own.',
    },
    concurrency_policy: { type: 'string', doc: '`"Allow"` (the default) starts a fire even while the previous run is still going; `"Forbid"` skips it. Case-sensitive; `"Replace"` is not supported.' },
    timezone: { type: 'string', doc: 'IANA time zone the schedule is read in (e.g. `"America/Sao_Paulo"`); default UTC.' },
    suspend: { type: 'bool', doc: '`true` stops the fires, and `voodu run cronjob` is skipped too; default false.' },
    successful_history_limit: { type: 'number', doc: 'How many succeeded runs the cronjob\'s status keeps (older stopped run containers are removed); default 3, and 0 also means 3.' },
    failed_history_limit: { type: 'number', doc: 'How many failed runs the cronjob\'s status keeps (older stopped run containers are removed); default 1, and 0 also means 1.' },
  },
  defaults: ['`logs { max_size = "10m", max_files = 3 }` inside `job`, each where it is not set, as for a job'],
  example: `cronjob "ops" "nightly-report" {
  schedule           = "30 2 * * mon-fri"
  timezone           = "America/Sao_Paulo"
  concurrency_policy = "Forbid"

  image   = "ghcr.io/acme/reports:2.1"
  command = ["./report", "--yesterday"]
  timeout = "30m"
}
`,
  validate: validateCronJob,
  containerAt: 'job',
  roles: { workload: true, envFile: true, prunable: true },
  hcl: { blocks: CONTAINER_BLOCKS, topKeys: CRONJOB_TOP_KEYS },
};

export const kinds = [cronjobKind];
