/**
 * A work queue in the manner of controller-runtime's: keys, not events.
 * A key is never worked on twice at once; a key queued while it is being
 * worked on runs once more afterwards (however many times it was queued);
 * different keys run in parallel up to `concurrency`. Because the worker
 * re-reads the desired state each time, coalescing loses nothing.
 *
 * Teardowns get a lane of their own: a key `teardown.of` names (a resource
 * just deleted) runs under `teardown.concurrency` instead, so a scope of
 * fifty deletions — each mostly waiting out its containers' stop grace
 * period — neither waits four at a time nor holds up the creates queued
 * behind it.
 */
export type Work<C> = (key: string, cause: C) => Promise<void>;
/** The cause a key runs with when it is queued again before it ran: default, the newest. */
export type MergeCauses<C> = (queued: C, next: C) => C;

export interface TeardownLane {
  /** Whether `key` is worked on in the teardown lane, asked when it is picked. */
  of(key: string): boolean;
  concurrency: number;
}

export class WorkQueue<C> {
  readonly #work: Work<C>;
  readonly #concurrency: number;
  readonly #pending = new Map<string, C>();
  readonly #running = new Set<string>();
  /** The keys of `#running` picked for the teardown lane. */
  readonly #tearingDown = new Set<string>();
  readonly #teardown: TeardownLane | undefined;
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #later = new Map<string, { timer: NodeJS.Timeout; due: number }>();
  readonly #merge: MergeCauses<C>;
  #idleWaiters: (() => void)[] = [];
  #stopped = false;

  constructor(work: Work<C>, concurrency: number, teardown?: TeardownLane, merge: MergeCauses<C> = (_, next) => next) {
    this.#work = work;
    this.#merge = merge;
    this.#concurrency = Math.max(1, concurrency);
    this.#teardown = teardown && { of: teardown.of, concurrency: Math.max(1, teardown.concurrency) };
  }

  add(key: string, cause: C): void {
    if (this.#stopped) return;
    // A fresh request supersedes a scheduled retry: it runs now.
    const timer = this.#timers.get(key);
    if (timer) {
      clearTimeout(timer);
      this.#timers.delete(key);
    }
    const queued = this.#pending.get(key);
    this.#pending.set(key, queued === undefined ? cause : this.#merge(queued, cause));
    this.#pump();
  }

  /** Queue `key` after `ms` unless something queues it sooner. */
  addAfter(key: string, cause: C, ms: number): void {
    if (this.#stopped) return;
    clearTimeout(this.#timers.get(key));
    const timer = setTimeout(() => {
      this.#timers.delete(key);
      this.add(key, cause);
    }, ms);
    timer.unref();
    this.#timers.set(key, timer);
  }

  /**
   * Queue `key` in `ms`, as a reconcile asks to look again later. The earliest time asked for
   * wins. Work in between does not cancel it (a level-triggered worker loses nothing by one more
   * look), `forget` and `stop` do. Not counted by `idle`: a repair backing off for minutes is no
   * work in flight.
   */
  addLater(key: string, cause: C, ms: number): void {
    if (this.#stopped) return;
    const due = Date.now() + ms;
    const cur = this.#later.get(key);
    if (cur && cur.due <= due) return;
    clearTimeout(cur?.timer);
    const timer = setTimeout(() => {
      this.#later.delete(key);
      this.add(key, cause);
    }, ms);
    timer.unref();
    this.#later.set(key, { timer, due });
  }

  /** Drop the requeue `addLater` holds for `key` (its resource is gone). */
  forget(key: string): void {
    clearTimeout(this.#later.get(key)?.timer);
    this.#later.delete(key);
  }

  /** Keys waiting for a worker, being worked on, waiting out a retry delay, and held for a requeue. */
  get depth(): { queued: number; running: number; retrying: number; requeued: number } {
    return { queued: this.#pending.size, running: this.#running.size, retrying: this.#timers.size, requeued: this.#later.size };
  }

  get size(): number {
    return this.#pending.size + this.#running.size + this.#timers.size;
  }

  idle(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Drop what is queued and scheduled; resolves when running work has finished. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#pending.clear();
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
    for (const l of this.#later.values()) clearTimeout(l.timer);
    this.#later.clear();
    await this.idle();
  }

  #pump(): void {
    for (const [key, cause] of this.#pending) {
      if (this.#running.has(key)) continue;
      const teardown = this.#teardown?.of(key) === true;
      if (teardown ? this.#tearingDown.size >= this.#teardown!.concurrency : this.#running.size - this.#tearingDown.size >= this.#concurrency) continue;
      this.#pending.delete(key);
      this.#running.add(key);
      if (teardown) this.#tearingDown.add(key);
      void this.#work(key, cause)
        .catch(() => undefined) // the worker reports its own errors
        .finally(() => {
          this.#running.delete(key);
          this.#tearingDown.delete(key);
          this.#pump();
          if (this.size === 0) {
            const waiters = this.#idleWaiters;
            this.#idleWaiters = [];
            for (const w of waiters) w();
          }
        });
    }
  }
}
