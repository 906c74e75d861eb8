/**
 * The one clock of the controller. It fires `onTick` on every whole second
 * (so cron fires land on time) and never waits for the taps: a slow tap
 * delays nobody. Taps that need a slower cadence use `cadence()`.
 */
import type { Hooks, Tick } from './hooks.js';
import type { Logger } from './log.js';

export class Clock {
  readonly #hooks: Hooks;
  readonly #log: Logger;
  readonly #periodMs: number;
  #timer: NodeJS.Timeout | undefined;
  #seq = 0;

  constructor(hooks: Hooks, log: Logger, periodMs = 1000) {
    this.#hooks = hooks;
    this.#log = log;
    this.#periodMs = periodMs;
    // Isolate every tap: one that throws is logged under its name and the others still run.
    hooks.onTick.intercept({
      register: (tap) => {
        const report = (err: unknown) => log.error(`tick tap "${tap.name}" failed: ${err instanceof Error ? err.message : String(err)}`);
        const fn = tap.fn as (...args: any[]) => any;
        if (tap.type === 'sync') {
          tap.fn = (t: Tick) => {
            try {
              fn(t);
            } catch (err) {
              report(err);
            }
          };
        } else if (tap.type === 'promise') {
          tap.fn = (t: Tick) => Promise.resolve().then(() => fn(t)).catch(report);
        } else {
          tap.fn = (t: Tick, done: () => void) => {
            try {
              fn(t, (err?: unknown) => {
                if (err) report(err);
                done();
              });
            } catch (err) {
              report(err);
              done();
            }
          };
        }
        return tap;
      },
    });
  }

  start(): void {
    if (this.#timer) return;
    const schedule = () => {
      const now = Date.now();
      // Aim at the next period boundary, so ticks do not drift with timer lateness.
      const delay = this.#periodMs - (now % this.#periodMs);
      this.#timer = setTimeout(() => {
        void this.tick(Date.now());
        schedule();
      }, delay);
      this.#timer.unref();
    };
    schedule();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Fire one tick now. Tests drive the clock with this instead of waiting. */
  async tick(now: number = Date.now()): Promise<void> {
    const tick: Tick = { now, seq: ++this.#seq };
    try {
      await this.#hooks.onTick.promise(tick);
    } catch (err) {
      this.#log.error(`tick ${tick.seq} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

/**
 * Wraps `fn` so it runs at most once every `everyMs`, never overlapping
 * itself, and without holding up the tick that started it.
 */
export function cadence(everyMs: number, fn: (tick: Tick) => Promise<void> | void, onError: (err: unknown) => void) {
  let last = -Infinity;
  let running = false;
  return (tick: Tick): void => {
    if (running || tick.now - last < everyMs) return;
    last = tick.now;
    running = true;
    Promise.resolve()
      .then(() => fn(tick))
      .catch(onError)
      .finally(() => {
        running = false;
      });
  };
}
