/**
 * The cooldown memory a controller starts from for a deployment it has not
 * judged yet: the step times the last controller stored in
 * `status.autoscale`, so a restart does not reopen a cooldown. Pure.
 */
import { freshMemory, type Memory } from './decide.js';
import type { AutoscaleStatus } from './evaluate.js';

/**
 * `stored` is `status.autoscale` as read (anything, or nothing). A time
 * later than `now` (the clock went back) counts as `now`: the wait is then
 * at most one cooldown. A status written before the step times were kept
 * still has `last_scale`, which gives the time of its direction.
 */
export function seedMemory(stored: unknown, now: number): Memory {
  const memory = freshMemory();
  if (!stored || typeof stored !== 'object' || Array.isArray(stored)) return memory;
  const a = stored as Partial<AutoscaleStatus>;
  const at = (iso: unknown): number => {
    const ms = typeof iso === 'string' ? Date.parse(iso) : NaN;
    return Number.isFinite(ms) ? Math.min(ms, now) : -Infinity;
  };
  memory.lastUp = at(a.last_up_at);
  memory.lastDown = at(a.last_down_at);
  const last = a.last_scale;
  if (last && typeof last === 'object' && typeof last.from === 'number' && typeof last.to === 'number') {
    if (last.to > last.from) memory.lastUp = Math.max(memory.lastUp, at(last.at));
    if (last.to < last.from) memory.lastDown = Math.max(memory.lastDown, at(last.at));
  }
  return memory;
}
