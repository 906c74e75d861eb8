/**
 * What the `onReconcile` taps answered. A tapable series hook drops its taps'
 * return values, so each hook the reconciler calls gets an interceptor that
 * wraps every promise tap and notes its `requeueAfter` against the event it
 * ran for; several taps answering means the earliest time wins.
 */
import type { ReconcileEvent, ReconcileResult } from '../../kernel/index.js';

type Hook = { intercept(interceptor: { register?: (tap: Tap) => Tap }): void };
type Tap = { type: 'sync' | 'async' | 'promise'; fn: Function; name: string };

export class RequeueResults {
  readonly #read = new WeakSet<object>();
  readonly #asked = new WeakMap<ReconcileEvent, number>();

  /** From now on, note what the promise taps of `hook` answer (taps already there included). */
  read(hook: Hook): void {
    if (this.#read.has(hook)) return;
    this.#read.add(hook);
    hook.intercept({
      register: (tap) => {
        if (tap.type !== 'promise') return tap;
        const fn = tap.fn as (event: ReconcileEvent) => Promise<ReconcileResult | void>;
        return { ...tap, fn: async (event: ReconcileEvent) => this.#note(event, await fn(event)) };
      },
    });
  }

  /** The earliest `requeueAfter` the taps answered for `event`, once. */
  take(event: ReconcileEvent): number | undefined {
    const ms = this.#asked.get(event);
    this.#asked.delete(event);
    return ms;
  }

  #note(event: ReconcileEvent, result: ReconcileResult | void): void {
    const ms = result?.requeueAfter;
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return;
    this.#asked.set(event, Math.min(ms, this.#asked.get(event) ?? Infinity));
  }
}
