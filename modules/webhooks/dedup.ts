/** Drops repeats of a probe transition id seen within the window (60 s, global, as the reference). */
export class Dedup {
  readonly #seen = new Map<string, number>();

  constructor(
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** True the first time `id` is offered within the window; false for a repeat. */
  admit(id: string): boolean {
    const now = this.now();
    for (const [k, until] of this.#seen) if (until <= now) this.#seen.delete(k);
    if (this.#seen.has(id)) return false;
    this.#seen.set(id, now + this.windowMs);
    return true;
  }
}
