/**
 * The `job` module's public face: a run of a job
 * and the status blob at `/status/jobs/<appId>`, and the `jobs` service
 * that runs any job-like workload once (a job, or a cronjob's job).
 */
import type { ResourceRef } from '../../lib/identity.js';
import type { JobSpec } from './spec.js';
import type { RawContext } from '../api/contract.js';

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
  /** When a run with a `timeout` is killed (ISO): stored, so a controller that restarts mid-run still kills it then. */
  deadline_at?: string;
}

export interface JobStatus {
  image?: string;
  history?: JobRun[];
  /** ended_at of the newest finished run (started_at while it runs). */
  last_run?: string;
  last_reconcile_error?: string;
  last_reconcile_at?: string;
}

/** History limits when the manifest leaves them out or sets them ≤ 0. */
export const DEFAULT_SUCCESSFUL_HISTORY_LIMIT = 3;
export const DEFAULT_FAILED_HISTORY_LIMIT = 1;

/** The kinds whose runs the `jobs` service makes: their labels, status key and manifest. */
export type JobKind = 'job' | 'cronjob';

export interface JobRunRequest {
  kind: JobKind;
  /** scope and name; its `kind` is ignored (`kind` above wins). */
  ref: ResourceRef;
  /** What to run: a job's spec, or a cronjob's wire `job` object. */
  spec: JobSpec;
  /** History caps; for a cronjob its own (the ones inside its `job` are unused). */
  limits?: { successful_history_limit?: number; failed_history_limit?: number };
}

export interface RunHooks {
  /** Called once the run's container has started, e.g. to follow its logs. */
  onStarted?(container: string): void;
}

/** A run that did not happen, and why (a suspended cronjob, Forbid with a run in flight). */
export interface SkippedRun {
  skipped: string;
}

export interface Jobs {
  /**
   * Runs once and resolves when the run has ended (never rejects for a
   * failed run: that is a `failed` JobRun). Records a `running` entry
   * first, caps the history and removes stopped run containers of this
   * workload that fell out of it. Status `/status/<kind>s/<appId>`, labels
   * voodu.kind = voodu.role = kind.
   */
  run(req: JobRunRequest, hooks?: RunHooks): Promise<JobRun>;
  /**
   * The stored resource of `kind` named by `name` (and `scope`, optional
   * when the name is unique among that kind). NotFoundError / ValidationError.
   */
  resolve(kind: JobKind, name: string | undefined, scope: string | undefined): Promise<ResourceRef>;
  /**
   * Answers an HTTP run request with the result of `start` (which calls
   * `run`, passing the hooks on): the `/jobs/run` envelope (200 with the
   * run, 500 with a failed run as `data`, 200 `data: null` + `skipped`), or,
   * with `follow`, `application/x-ndjson` lines `{"log":"…"}` while the run
   * goes, then one `{"run":{…}}` or `{"skipped":"…"}` line.
   */
  serve(raw: RawContext, follow: boolean, start: (hooks: RunHooks) => Promise<JobRun | SkippedRun>): Promise<void>;
  /**
   * Takes over the runs the status says are `running` but no run of this
   * process is waiting on (the controller restarted mid-run): an exited
   * container is recorded with its exit code, a gone one as failed, a
   * running one is waited for and killed at its stored `deadline_at`.
   * Idempotent; the job and cronjob reconciles call it.
   */
  adopt(kind: JobKind, ref: ResourceRef, limits?: JobRunRequest['limits']): Promise<void>;
  /**
   * How many runs the stored status says are `running` and whose container
   * is still running. Read from etcd and Docker, not from this process, so
   * it counts a run a killed controller started (cronjob `Forbid` asks it).
   */
  running(kind: JobKind, ref: ResourceRef): Promise<number>;
}

declare module '../../kernel/services.js' {
  interface ServiceMap {
    jobs: Jobs;
  }
}
