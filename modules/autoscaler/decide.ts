/**
 * The autoscaler's decision for one deployment, pure so
 * every rule is testable without Docker: the mean CPU of the running
 * replicas against a dead zone around the target, one step at a time, each
 * direction behind its own cooldown.
 */
import { parseDurationMs } from '../../lib/manifest/durations.js';
import type { AutoscaleSpec } from '../../lib/manifest/types.js';

export const DEFAULT_COOLDOWN_UP_MS = 30_000;
export const DEFAULT_COOLDOWN_DOWN_MS = 5 * 60_000;
/** Above target × 1.1 scales up, below target × 0.7 scales down; in between holds (the dead zone). */
export const UP_FACTOR = 1.1;
export const DOWN_FACTOR = 0.7;

export interface Bounds {
  min: number;
  max: number;
  /** CPU% of one core. */
  target: number;
  cooldownUpMs: number;
  cooldownDownMs: number;
}

/** When each direction last acted (tick time, ms); -Infinity = never, so the first action is immediate. */
export interface Memory {
  lastUp: number;
  lastDown: number;
}

export const freshMemory = (): Memory => ({ lastUp: -Infinity, lastDown: -Infinity });

export interface Decision {
  /** `skip`: nothing to judge by (no running replica answered with stats). */
  action: 'up' | 'down' | 'hold' | 'skip';
  /** Running replicas that gave a sample: the basis of every step, not spec.replicas. */
  current: number;
  /** The count this decision asks for (= current unless scaling). */
  replicas: number;
  mean: number;
  target: number;
  upAbove: number;
  downBelow: number;
  reason: string;
}

/** Cooldowns as written; empty, invalid or negative → the default (the reference's rule). */
export function cooldownMs(text: unknown, fallback: number): number {
  if (typeof text !== 'string' || text === '') return fallback;
  const ms = parseDurationMs(text);
  return ms === undefined || ms < 0 ? fallback : ms;
}

/**
 * The bounds of an `autoscale {}` block, or undefined when it cannot drive
 * anything (a stored manifest written before validation held it).
 */
export function boundsOf(spec: unknown): Bounds | undefined {
  if (!spec || typeof spec !== 'object' || Array.isArray(spec)) return undefined;
  const a = spec as AutoscaleSpec;
  const whole = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n);
  if (!whole(a.min) || a.min < 1 || !whole(a.max) || a.max < a.min) return undefined;
  if (typeof a.cpu_target !== 'number' || !(a.cpu_target > 0) || a.cpu_target > 100) return undefined;
  return {
    min: a.min,
    max: a.max,
    target: a.cpu_target,
    cooldownUpMs: cooldownMs(a.cooldown_up, DEFAULT_COOLDOWN_UP_MS),
    cooldownDownMs: cooldownMs(a.cooldown_down, DEFAULT_COOLDOWN_DOWN_MS),
  };
}

/**
 * Average CPU% over the samples. Idle (0%) replicas are left out when at
 * least one is busy: a replica that just started reads 0 and would drag the
 * mean under the target of the ones doing the work.
 */
export function meanCpu(samples: number[]): number {
  const busy = samples.filter((s) => s > 0);
  const counted = busy.length ? busy : samples;
  return counted.length ? counted.reduce((a, b) => a + b, 0) / counted.length : 0;
}

export const clamp = (n: number, min: number, max: number) => Math.min(Math.max(n, min), max);

const pct = (n: number) => `${Math.round(n * 10) / 10}%`;
const secs = (ms: number) => `${Math.ceil(ms / 1000)}s`;

/** `samples`: CPU% of each running replica that answered. Never mutates `memory`. */
export function decide(b: Bounds, samples: number[], now: number, memory: Memory): Decision {
  const upAbove = b.target * UP_FACTOR;
  const downBelow = b.target * DOWN_FACTOR;
  const current = samples.length;
  const mean = meanCpu(samples);
  const base = { current, mean, target: b.target, upAbove, downBelow };
  if (current === 0) return { ...base, action: 'skip', replicas: 0, reason: 'no running replica with stats' };

  const hold = (reason: string): Decision => ({ ...base, action: 'hold', replicas: current, reason });
  if (mean > upAbove) {
    if (current >= b.max) return hold(`mean ${pct(mean)} > ${pct(upAbove)} but already at max ${b.max}`);
    const wait = memory.lastUp + b.cooldownUpMs - now;
    if (wait > 0) return hold(`mean ${pct(mean)} > ${pct(upAbove)} but cooldown_up has ${secs(wait)} left`);
    return { ...base, action: 'up', replicas: clamp(current + 1, b.min, b.max), reason: `mean ${pct(mean)} > ${pct(upAbove)} (target ${pct(b.target)} × ${UP_FACTOR})` };
  }
  if (mean < downBelow) {
    if (current <= b.min) return hold(`mean ${pct(mean)} < ${pct(downBelow)} but already at min ${b.min}`);
    const wait = memory.lastDown + b.cooldownDownMs - now;
    if (wait > 0) return hold(`mean ${pct(mean)} < ${pct(downBelow)} but cooldown_down has ${secs(wait)} left`);
    return { ...base, action: 'down', replicas: clamp(current - 1, b.min, b.max), reason: `mean ${pct(mean)} < ${pct(downBelow)} (target ${pct(b.target)} × ${DOWN_FACTOR})` };
  }
  return hold(`mean ${pct(mean)} within the dead zone [${pct(downBelow)}, ${pct(upAbove)}]`);
}
