/**
 * When cronjobs fire, driven by the kernel clock's
 * ticks: `pass(now)` answers which cronjobs are due at `now`. A new entry,
 * or one whose schedule or time zone changed, gets its next fire computed
 * from `now` and does not fire on that pass. A due entry fires once, on the
 * first pass at or after its fire time, however many fires it missed, and
 * its next fire is computed from `now`. Suspended and removed entries lose
 * their state. Time comes only from `now`, so a test clock drives it. Pure
 * apart from the logger.
 *
 * A controller that restarts would otherwise skip a fire that came due while
 * it was down: an entry seen for the first time may carry the next fire the
 * last controller stored (`persistedNext`); when that is past, but no more
 * than `missedWindowMs` ago (default 1 h), it fires once on this first pass.
 */
import type { Logger } from '../../kernel/index.js';
import type { ResourceRef } from '../../lib/identity.js';
import { parseSchedule, type Schedule } from '../../lib/manifest/cron.js';

export interface CronEntry {
  ref: ResourceRef;
  schedule: string;
  /** IANA name; empty = UTC. */
  timezone: string;
  suspend: boolean;
  /** The next fire the previous controller stored for this same schedule and zone (ms), if any. */
  persistedNext?: number | undefined;
}

export interface DueFire {
  ref: ResourceRef;
  /** The fire time that came due (ms since the epoch). */
  due: number;
}

interface State {
  schedule: string;
  timezone: string;
  compiled: Schedule;
  next: number | undefined;
}

export const entryKey = (ref: Pick<ResourceRef, 'scope' | 'name'>) => `${ref.scope}/${ref.name}`;

export class CronScheduler {
  readonly #state = new Map<string, State>();
  /** Schedules already reported as unusable, so a bad one is logged once, not every second. */
  readonly #reported = new Set<string>();
  readonly #log: Logger;
  readonly #onNextRun: (ref: ResourceRef, next: number | undefined) => void;

  readonly #missedWindowMs: number;

  /** `onNextRun` hears every change of an entry's next fire (to persist it as `next_run`). */
  constructor(log: Logger, onNextRun: (ref: ResourceRef, next: number | undefined) => void = () => undefined, missedWindowMs = 3_600_000) {
    this.#log = log;
    this.#onNextRun = onNextRun;
    this.#missedWindowMs = missedWindowMs;
  }

  pass(now: number, entries: Iterable<CronEntry>): DueFire[] {
    const due: DueFire[] = [];
    const seen = new Set<string>();
    for (const entry of entries) {
      const key = entryKey(entry.ref);
      seen.add(key);
      if (entry.suspend) {
        this.#state.delete(key);
        continue;
      }
      const st = this.#state.get(key);
      if (!st || st.schedule !== entry.schedule || st.timezone !== entry.timezone) {
        const seeded = this.#seed(key, entry, now);
        // First sight after a restart: a stored fire that came due while no controller ran fires now.
        const missed = !st && entry.persistedNext;
        if (seeded && missed && missed <= now && now - missed <= this.#missedWindowMs) {
          this.#log.info(`cronjob/${key}: the fire due ${new Date(missed).toISOString()} was missed while no controller ran; firing it now`);
          due.push({ ref: entry.ref, due: missed });
        }
        continue;
      }
      if (st.next !== undefined && now >= st.next) {
        due.push({ ref: entry.ref, due: st.next });
        st.next = st.compiled.next(now);
        this.#onNextRun(entry.ref, st.next);
      }
    }
    for (const key of this.#state.keys()) if (!seen.has(key)) this.#state.delete(key);
    return due;
  }

  /** The next fire the scheduler holds for `ref` (undefined: not seen yet, suspended, or no fire ever). */
  nextFire(ref: Pick<ResourceRef, 'scope' | 'name'>): number | undefined {
    return this.#state.get(entryKey(ref))?.next;
  }

  /** Compiles the schedule and holds its next fire after `now`; false when it cannot be used. */
  #seed(key: string, entry: CronEntry, now: number): boolean {
    let compiled: Schedule;
    try {
      compiled = parseSchedule(entry.schedule, entry.timezone || undefined);
    } catch (err) {
      this.#state.delete(key);
      const id = `${key} ${entry.schedule} ${entry.timezone}`;
      if (!this.#reported.has(id)) {
        this.#reported.add(id);
        this.#log.error(`cronjob/${key}: not scheduled: ${err instanceof Error ? err.message : String(err)}`);
      }
      return false;
    }
    const next = compiled.next(now);
    this.#state.set(key, { schedule: entry.schedule, timezone: entry.timezone, compiled, next });
    this.#onNextRun(entry.ref, next);
    return true;
  }
}
