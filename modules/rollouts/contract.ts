/**
 * `GET /rollout`: where the rollout of one workload stands, for whoever
 * waits on it (`voodu apply` does, after every apply that changed a
 * deployment or a statefulset). Wire types and the path only: the CLI
 * imports this file.
 */

export const ROLLOUT_PATH = '/rollout';

/** `progressing` until it `converged` or `failed` for a reason that will not fix itself. */
export type RolloutPhase = 'progressing' | 'converged' | 'failed';

export interface RolloutState {
  /** `kind/scope/name`. */
  resource: string;
  phase: RolloutPhase;
  /** Replicas the spec asks for (frozen ones excluded). */
  desired: number;
  /** Running replicas, and how many of them were there before the apply (the previous spec's, until the roll retires them). */
  running: number;
  ready: number;
  old: number;
  /** What it is doing or waiting on now, or why it failed: one line for a person. */
  message: string;
  /** How long a waiter should give it, from the workload's own deadlines. */
  deadline_s: number;
}
