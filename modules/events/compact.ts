/**
 * The pure rule of an event log: a new event joins the line of its repeat
 * (same type, reason and message) — count up, last time and object
 * updated, moved to the end — or is appended; the oldest lines go first
 * once the log is longer than its bound.
 */
import type { NewEvent, ResourceEvent } from './contract.js';

export const EVENTS_KEPT = 50;

type Identity = Pick<ResourceEvent, 'resource' | 'kind' | 'scope' | 'name'>;

const sameLine = (a: NewEvent, b: NewEvent) => a.type === b.type && a.reason === b.reason && a.message === b.message;

export function appendEvent(log: readonly ResourceEvent[], who: Identity, event: NewEvent, at: string, kept = EVENTS_KEPT): ResourceEvent[] {
  const i = log.findIndex((e) => sameLine(e, event));
  const line: ResourceEvent =
    i >= 0
      ? { ...log[i]!, count: log[i]!.count + 1, last_at: at, ...(event.object ? { object: event.object } : {}) }
      : { ...who, type: event.type, reason: event.reason, message: event.message, ...(event.object ? { object: event.object } : {}), count: 1, first_at: at, last_at: at };
  const rest = i >= 0 ? [...log.slice(0, i), ...log.slice(i + 1)] : [...log];
  rest.push(line);
  return rest.slice(-kept);
}

/** Lines of `next` that are new or repeated since `prev` (a watch sees the whole log each time). */
export function changedLines(prev: readonly ResourceEvent[], next: readonly ResourceEvent[]): ResourceEvent[] {
  const seen = new Map(prev.map((e) => [`${e.type}\u0000${e.reason}\u0000${e.message}`, e]));
  return next.filter((e) => {
    const before = seen.get(`${e.type}\u0000${e.reason}\u0000${e.message}`);
    return !before || before.count !== e.count || before.last_at !== e.last_at;
  });
}

/** Parses a stored log; anything that is not a list of events reads as empty (it is history, not state). */
export function parseLog(value: string | undefined): ResourceEvent[] {
  if (!value) return [];
  try {
    const parsed = JSON.parse(value) as unknown;
    return Array.isArray(parsed) ? (parsed as ResourceEvent[]).filter((e) => e && typeof e === 'object' && typeof e.reason === 'string') : [];
  } catch {
    return [];
  }
}
