/**
 * A work queue in the manner of controller-runtime's: keys, not events.
 * A key is never worked on twice at once; a key queued while it is being
 * worked on runs once more afterwards (however many times it was queued);
 * different keys run in parallel up to `concurrency`. Because the worker
 * re-reads the desired state each time, coalescing loses nothing.
 */
export type Work<C> = (key: string, cause: C) => Promise<void>;

export class WorkQueue<C> {
  readonly #work: Work<C>;
  readonly #concurrency: number;
  readonly #pending = new Map<string, C>();
  readonly #running = new Set<string>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  #idleWaiters: (() => void)[] = [];
  #stopped = false;

  constructor(work: Work<C>, concurrency: number) {
    this.#work = work;
    this.#concurrency = Math.max(1, concurrency);
  }

  add(key: string, cause: C): void {
    if (this.#stopped) return;
    // A fresh request supersedes a scheduled retry: it runs now.
    const timer = this.#timers.get(key);
    if (timer) {
      clearTimeout(timer);
      this.#timers.delete(key);
    }
    this.#pending.set(key, cause);
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
    await this.idle();
  }

  #pump(): void {
    for (const [key, cause] of this.#pending) {
      if (this.#running.size >= this.#concurrency) return;
      if (this.#running.has(key)) continue;
      this.#pending.delete(key);
      this.#running.add(key);
      void this.#work(key, cause)
        .catch(() => undefined) // the worker reports its own errors
        .finally(() => {
          this.#running.delete(key);
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
