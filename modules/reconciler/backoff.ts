/**
 * Waits between attempts to reach something that keeps failing: doubling from
 * `baseMs` up to `capMs`, each shortened by up to a fifth at random so that
 * several waiters (or controllers on one engine) do not retry in step.
 */
export class Backoff {
  #failures = 0;

  constructor(
    readonly baseMs = 1000,
    readonly capMs = 30_000,
    readonly random: () => number = Math.random,
  ) {}

  /** The wait before the next attempt; each call counts one more failure. */
  next(): number {
    const full = Math.min(this.capMs, this.baseMs * 2 ** this.#failures);
    this.#failures = Math.min(this.#failures + 1, 30); // 2 ** 30 × base is past any cap
    return Math.round(full * (1 - 0.2 * this.random()));
  }

  /** It worked: the next failure waits `baseMs` again. */
  reset(): void {
    this.#failures = 0;
  }
}
