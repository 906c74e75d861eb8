/**
 * The `cronjob` module's public face: the
 * status blob at `/status/cronjobs/<appId>`. Types only.
 */
import type { JobRun } from '../job/contract.js';

export interface CronJobStatus {
  schedule?: string;
  /** IANA name the schedule is read in; `UTC` when the manifest sets none. */
  timezone?: string;
  image?: string;
  /** Newest first, capped by the cronjob's successful/failed_history_limit. */
  history?: JobRun[];
  /** ended_at of the newest finished run (started_at while it runs). */
  last_run?: string;
  /** The next scheduled fire (RFC 3339, UTC); absent while suspended or before the scheduler has seen it. */
  next_run?: string;
  last_reconcile_error?: string;
  last_reconcile_at?: string;
}
