/**
 * Decision 2 repairs a stopped replica at once; a command that exits every
 * time would then be recreated in a tight loop (each exit is a docker event
 * that queues the next reconcile). Consecutive repairs of one workload
 * back off 2 s, 4 s, … up to 5 min; five quiet minutes reset the count.
 */
export class RepairBackoff {
  readonly #state = new Map<string, { count: number; last: number }>();
  readonly #maxMs: number;
  readonly #quietMs: number;

  constructor(maxMs = 300_000, quietMs = 300_000) {
    this.#maxMs = maxMs;
    this.#quietMs = quietMs;
  }

  /** 0 when a repair may happen now, else how long to wait. */
  delay(key: string, now = Date.now()): number {
    const s = this.#state.get(key);
    if (!s || now - s.last > this.#quietMs) return 0;
    const wait = s.count === 0 ? 0 : Math.min(this.#maxMs, 1000 * 2 ** s.count);
    return Math.max(0, s.last + wait - now);
  }

  record(key: string, now = Date.now()): void {
    const s = this.#state.get(key);
    const count = !s || now - s.last > this.#quietMs ? 0 : s.count + 1;
    this.#state.set(key, { count, last: now });
  }

  forget(key: string): void {
    this.#state.delete(key);
  }
}
