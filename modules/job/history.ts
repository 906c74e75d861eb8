/**
 * Run history: newest first, at most `succeeded`
 * succeeded and `failed` failed runs; running runs are always kept. Pure.
 */
import { DEFAULT_FAILED_HISTORY_LIMIT, DEFAULT_SUCCESSFUL_HISTORY_LIMIT, type JobRun } from './contract.js';

export interface HistoryLimits {
  succeeded: number;
  failed: number;
}

export function limitsOf(spec: { successful_history_limit?: number; failed_history_limit?: number }): HistoryLimits {
  const pick = (v: number | undefined, fallback: number) => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : fallback);
  return {
    succeeded: pick(spec.successful_history_limit, DEFAULT_SUCCESSFUL_HISTORY_LIMIT),
    failed: pick(spec.failed_history_limit, DEFAULT_FAILED_HISTORY_LIMIT),
  };
}

/** Keeps the order it is given (newest first) and drops the oldest runs beyond each limit. */
export function capHistory(history: JobRun[], limits: HistoryLimits): JobRun[] {
  let ok = 0;
  let bad = 0;
  return history.filter((run) => {
    if (run.status === 'succeeded') return ++ok <= limits.succeeded;
    if (run.status === 'failed') return ++bad <= limits.failed;
    return true;
  });
}

/** Replaces the entry with `run.run_id` (or prepends it when absent). */
export function upsertRun(history: JobRun[], run: JobRun): JobRun[] {
  const i = history.findIndex((r) => r.run_id === run.run_id);
  if (i < 0) return [run, ...history];
  const next = [...history];
  next[i] = run;
  return next;
}

/** The time `last_run` carries: the newest run's end, or its start while it runs. */
export function lastRunOf(history: JobRun[]): string | undefined {
  const newest = history[0];
  return newest ? newest.ended_at ?? newest.started_at : undefined;
}
