/**
 * Which env a workload's replicas should run, and which env they may run
 * without being rolled. Pure: the workload service stores the record in
 * `status.env_target` and hands the answer to the kind's reconcile.
 *
 * The rule: a config change that asked for a restart re-puts the manifest
 * (so do an apply, a rollback and the fan-out of `voodu config set`); one
 * made with `--no-restart` / `?restart=false` / `skip_restart` does not. So
 * env drift rolls replicas only when the manifest was rewritten since the
 * target was chosen. Between two rewrites, the env file may change any
 * number of times; replicas created meanwhile (scale-up, repair, a crash
 * replacement) already run one of those newer envs and must not be rolled
 * back to the target or churned — every env hash seen while the target
 * stands counts as current.
 *
 * A rewrite that only changes `spec.replicas` (the autoscaler, an apply that
 * scales) is a scale, not a restart: the target stands. That is judged only
 * when exactly one write happened since the record (the key's version went
 * up by one); several coalesced writes may hide a re-put, so they move it.
 */
import { createHash } from 'node:crypto';
import type { EnvTargetRecord } from './contract.js';
import { canonical } from './spec-hash.js';

/** Where one reconcile stands: the manifest it read and the env it just synced. */
export interface EnvTargetInput {
  revision: number;
  version?: number;
  spec: Record<string, unknown>;
  envHash: string;
}

export interface EnvTargetDecision {
  record: EnvTargetRecord;
  /** The record differs from `prev`: store it before creating or rolling anything. */
  changed: boolean;
  /** The manifest was rewritten (or there was no record): replicas on any env but this one roll. */
  moved: boolean;
}

/**
 * Enough for any realistic run of no-restart changes between two rewrites;
 * a replica created under an env older than the kept ones is rolled once.
 */
export const SEEN_KEPT = 16;

export function shapeOf(spec: Record<string, unknown>): string {
  const { replicas: _replicas, ...rest } = spec;
  return createHash('sha256').update(canonical(rest)).digest('hex').slice(0, 16);
}

export function decideEnvTarget(prev: unknown, at: EnvTargetInput): EnvTargetDecision {
  const shape = shapeOf(at.spec);
  const replicas = at.spec['replicas'] ?? null;
  const stamp = { revision: at.revision, ...(at.version !== undefined ? { version: at.version } : {}), shape, replicas };
  const old = asRecord(prev);
  if (!old || (old.revision !== at.revision && !isScale(old, at, shape, replicas))) {
    const record: EnvTargetRecord = { hash: at.envHash, ...stamp, seen: [at.envHash] };
    return { record, changed: !old || JSON.stringify(record) !== JSON.stringify(old), moved: true };
  }
  const seen = old.seen.includes(at.envHash) ? old.seen : [...old.seen, at.envHash].slice(-SEEN_KEPT);
  const record: EnvTargetRecord = { hash: old.hash, ...stamp, seen };
  return { record, changed: JSON.stringify(record) !== JSON.stringify(old), moved: false };
}

/** Env hashes a replica may carry and be current: the target, this reconcile's env, and those seen since. */
export function currentEnvHashes(record: EnvTargetRecord, envHash: string): ReadonlySet<string> {
  return new Set([record.hash, envHash, ...record.seen]);
}

/** One write since the record, and it changed nothing but `replicas`. */
function isScale(old: EnvTargetRecord, at: EnvTargetInput, shape: string, replicas: unknown): boolean {
  return (
    old.version !== undefined &&
    at.version === old.version + 1 &&
    old.shape === shape &&
    JSON.stringify(old.replicas) !== JSON.stringify(replicas)
  );
}

/** A stored record, or undefined for none or one this code cannot read (then the current env is the target, as before). */
function asRecord(value: unknown): EnvTargetRecord | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.hash !== 'string' || typeof v.revision !== 'number' || typeof v.shape !== 'string') return undefined;
  if (!Array.isArray(v.seen) || !v.seen.every((s) => typeof s === 'string')) return undefined;
  return {
    hash: v.hash,
    revision: v.revision,
    ...(typeof v.version === 'number' ? { version: v.version } : {}),
    shape: v.shape,
    replicas: v.replicas ?? null,
    seen: v.seen as string[],
  };
}
