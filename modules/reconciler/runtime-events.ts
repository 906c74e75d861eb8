/**
 * The controller's one subscription to the runtime's container events. The
 * stream breaks when dockerd restarts or the socket hiccups; it is subscribed
 * again forever, after a capped, jittered backoff that starts over once a
 * stream has stayed up for a while. Modules receive the events they filter
 * for, and after a break are told to look afresh: what happened meanwhile is
 * lost. It also keeps the one fact several modules need from the stream:
 * which containers Docker was told to stop (a `kill` since their last start).
 */
import type { Logger } from '../../kernel/index.js';
import { messageOf } from '../../lib/errors.js';
import type { RuntimeEvent, Subscription } from '../runtime/contract.js';
import { Backoff } from './backoff.js';
import type { RuntimeEventFilter } from './contract.js';

export type Subscribe = (onEvent: (event: RuntimeEvent) => void, onError: (err: Error) => void) => Promise<Subscription>;

interface Listener {
  actions: ReadonlySet<string> | undefined;
  roles: ReadonlySet<string> | undefined;
  handler: (event: RuntimeEvent) => void;
  onResume: (() => void) | undefined;
}

export interface RuntimeEventsOptions {
  backoff?: Backoff;
  /** A stream that lived this long was healthy: the backoff after it starts over. Default 10 s. */
  healthyMs?: number;
}

export class RuntimeEvents {
  readonly #subscribe: Subscribe;
  readonly #log: Logger;
  readonly #backoff: Backoff;
  readonly #healthyMs: number;
  readonly #listeners = new Set<Listener>();
  readonly #tearing = new Set<string>();
  #sub: Subscription | undefined;
  #since = 0;
  /** Bumped per subscription, so a late callback of a closed one is ignored. */
  #generation = 0;
  /** Events were missed since the listeners last had a full picture. */
  #missed = false;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(subscribe: Subscribe, log: Logger, options: RuntimeEventsOptions = {}) {
    this.#subscribe = subscribe;
    this.#log = log;
    this.#backoff = options.backoff ?? new Backoff();
    this.#healthyMs = options.healthyMs ?? 10_000;
  }

  /** Deliver the events that pass `filter` to `handler`; `onResume` runs after a break. Returns the unsubscribe. */
  on(filter: RuntimeEventFilter, handler: (event: RuntimeEvent) => void, onResume?: () => void): () => void {
    const listener: Listener = {
      actions: filter.actions && new Set(filter.actions),
      roles: filter.roles && new Set(filter.roles),
      handler,
      onResume,
    };
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /** Ids compare by prefix: events may carry short ones. */
  isTearingDown(containerId: string): boolean {
    if (!containerId) return false;
    for (const id of this.#tearing) if (id.startsWith(containerId) || containerId.startsWith(id)) return true;
    return false;
  }

  /** Subscribes; a failure is logged and retried, never thrown (the controller runs without events meanwhile). */
  start(): Promise<void> {
    return this.#connect();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#sub?.close();
    this.#sub = undefined;
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return;
    const generation = ++this.#generation;
    try {
      const sub = await this.#subscribe(
        (event) => generation === this.#generation && this.#deliver(event),
        (err) => generation === this.#generation && this.#broke(err),
      );
      if (this.#stopped || generation !== this.#generation) return sub.close();
      this.#sub = sub;
      this.#since = Date.now();
    } catch (err) {
      this.#missed = true;
      this.#retry(`cannot follow docker events (${messageOf(err)})`);
      return;
    }
    if (!this.#missed) return;
    this.#log.info('following docker events again; resyncing what was missed');
    this.#missed = false;
    for (const l of this.#listeners) this.#guard(() => l.onResume?.());
  }

  /** The stream ended or failed (a line it could not read included): drop it and subscribe again. */
  #broke(err: Error): void {
    if (this.#stopped) return;
    this.#generation++;
    this.#sub?.close();
    this.#sub = undefined;
    this.#missed = true;
    if (Date.now() - this.#since >= this.#healthyMs) this.#backoff.reset();
    this.#retry(`docker event stream ended (${err.message})`);
  }

  #retry(why: string): void {
    if (this.#stopped) return;
    const delay = this.#backoff.next();
    this.#log.warn(`${why}; subscribing again in ${delay} ms`);
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#connect(), delay);
    this.#timer.unref();
  }

  #deliver(event: RuntimeEvent): void {
    // Before the listeners run, so what they ask of isTearingDown already counts this event.
    if (event.action === 'kill') this.#tearing.add(event.containerId);
    else if (event.action === 'start' || event.action === 'destroy') this.#tearing.delete(event.containerId);
    const role = event.labels['voodu.role'] ?? '';
    for (const l of this.#listeners) {
      if (l.actions && !l.actions.has(event.action)) continue;
      if (l.roles && !l.roles.has(role)) continue;
      this.#guard(() => l.handler(event));
    }
  }

  /** One listener's throw must not keep the event from the others. */
  #guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#log.warn(`a runtime event listener failed: ${messageOf(err)}`);
    }
  }
}
