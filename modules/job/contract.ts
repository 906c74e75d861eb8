/**
 * The `job` module's public face (spec core.md §5.5, §6): a run of a job
 * and the status blob at `/status/jobs/<appId>`. Types only.
 */

/** One run of a job, newest first in `JobStatus.history`. */
export interface JobRun {
  /** 4 hex; the container is `<appId>.<run_id>`. */
  run_id: string;
  started_at: string;
  ended_at?: string;
  /** Absent while running or when the container never ran. */
  exit_code?: number;
  status: 'running' | 'succeeded' | 'failed';
  error?: string;
  /** The run's container, for `GET /pods/<container>/logs`. */
  container?: string;
}

export interface JobStatus {
  image?: string;
  history?: JobRun[];
  /** ended_at of the newest finished run (started_at while it runs). */
  last_run?: string;
  last_reconcile_error?: string;
  last_reconcile_at?: string;
}

/** History limits when the manifest leaves them out or sets them ≤ 0 (core.md §1.1). */
export const DEFAULT_SUCCESSFUL_HISTORY_LIMIT = 3;
export const DEFAULT_FAILED_HISTORY_LIMIT = 1;
