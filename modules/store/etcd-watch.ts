/**
 * The `Watch` contract on an etcd3 watcher: resumes from the last revision
 * actually received (not etcd3's header revision), delivers events in order
 * one at a time, and explains a cancel (compaction or otherwise) as a
 * `WatchCancelledError`. `EtcdStore.watch()` opens it and tracks it, so the
 * store's shutdown can close it.
 */
import type { Etcd3, IWatchResponse, Watcher } from 'etcd3';
import { TransientError, VooduError, messageOf } from '../../lib/errors.js';
import type { Logger } from '../../kernel/log.js';
import type { Watch, WatchEvent, WatchOptions } from './contract.js';
import { encode, prefixEnd } from './etcd-util.js';

/** A watch etcd cancelled: its start revision was compacted, or the server dropped it. */
export class WatchCancelledError extends VooduError {
  override readonly code = 'watch_cancelled';
  /** True when etcd no longer has the history the watch needed. */
  readonly compacted: boolean;
  /** The first revision the watch still needed. */
  readonly fromRevision: number;

  constructor(message: string, options: { compacted: boolean; fromRevision: number; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.compacted = options.compacted;
    this.fromRevision = options.fromRevision;
  }
}

export interface WatchDeps {
  log: Logger | undefined;
  endpoints: string;
  onClosed(w: EtcdWatch): void;
}

/**
 * One prefix watch. etcd3's Watcher reconnects by itself, but it resumes
 * from the *header* revision of the last response, which during catch-up
 * from an old revision is the store's current revision, not the last event
 * sent: a disconnect mid-catch-up would skip history. So after every
 * response we pin its resume revision to what we have actually received.
 */
export class EtcdWatch implements Watch {
  readonly #client: Etcd3;
  readonly #prefix: string;
  readonly #options: WatchOptions;
  readonly #deps: WatchDeps;
  readonly #watcher: Watcher;
  /** Next revision etcd must send us (everything before it is queued or delivered). */
  #resumeFrom: number;
  #lastRevision = 0;
  #queue: Array<WatchEvent | Error> = [];
  #draining = false;
  #closed = false;
  #serverCancelled = false;
  #acknowledged: (() => void) | undefined;

  constructor(client: Etcd3, prefix: string, from: number, options: WatchOptions, deps: WatchDeps) {
    this.#client = client;
    this.#prefix = prefix;
    this.#options = options;
    this.#deps = deps;
    this.#resumeFrom = from;
    // watcher() instead of create(): our listeners must be on before any
    // response can arrive, or an early cancel would be an unhandled 'error'.
    this.#watcher = client.watch().prefix(prefix).withPreviousKV().startRevision(String(from)).watcher();
    this.#watcher.on('connected', () => {
      this.#pin();
      this.#acknowledged?.();
    });
    this.#watcher.on('data', (res) => this.#onData(res));
    this.#watcher.on('disconnected', (err) => {
      deps.log?.debug(`watch of "${prefix}" disconnected, will resume from revision ${this.#resumeFrom}: ${messageOf(err)}`);
    });
    this.#watcher.on('error', (err) => void this.#onCancel(err));
  }

  get lastRevision(): number {
    return this.#lastRevision;
  }

  /** Resolves once etcd has acknowledged the watch (or cancelled it: that reaches onError). */
  async open(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        this.#acknowledged = resolve;
        timer = setTimeout(
          () =>
            reject(
              new TransientError(
                `etcd at ${this.#deps.endpoints} did not acknowledge the watch of "${this.#prefix}" within ${timeoutMs} ms`,
              ),
            ),
          timeoutMs,
        );
      });
    } catch (err) {
      await this.close();
      throw err;
    } finally {
      clearTimeout(timer);
      this.#acknowledged = undefined;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue = [];
    this.#deps.onClosed(this);
    // After a server cancel etcd3 has already dropped the watcher; cancelling
    // again would wait for an 'end' that never comes.
    if (this.#serverCancelled) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.#watcher.cancel().catch(() => undefined),
      // etcd3 waits for the cancel's answer; with etcd away it never comes.
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, 2000);
      }),
    ]);
    clearTimeout(timer);
  }

  #pin(): void {
    this.#watcher.request.start_revision = String(this.#resumeFrom);
  }

  #onData(res: IWatchResponse): void {
    if (this.#closed) return;
    const events = res.events ?? [];
    if (events.length === 0) {
      // A progress notification: etcd sends them only to watchers that are
      // caught up, so nothing at or below the header revision is missing.
      this.#resumeFrom = Math.max(this.#resumeFrom, Number(res.header.revision) + 1);
    }
    for (const ev of events) {
      const modRevision = Number(ev.kv.mod_revision);
      const type = String(ev.type).toLowerCase() === 'delete' ? 'delete' : 'put';
      const event: WatchEvent = {
        type,
        key: ev.kv.key.toString('utf8'),
        value: type === 'delete' ? '' : ev.kv.value.toString('utf8'),
        modRevision,
      };
      if (ev.prev_kv) event.prevValue = ev.prev_kv.value.toString('utf8');
      this.#queue.push(event);
      this.#resumeFrom = Math.max(this.#resumeFrom, modRevision + 1);
    }
    this.#pin();
    void this.#drain();
  }

  async #onCancel(err: Error): Promise<void> {
    if (this.#closed) return;
    this.#serverCancelled = true;
    this.#acknowledged?.();
    const cancelled = await this.#explain(err);
    // Events received before the cancel are still valid: they go out first.
    this.#queue.push(cancelled);
    void this.#drain();
  }

  /** etcd 3.4 gives no reason when it cancels for compaction, so ask it directly. */
  async #explain(err: Error): Promise<WatchCancelledError> {
    const from = this.#resumeFrom;
    let compacted = /compact/i.test(err.message);
    if (!compacted) {
      try {
        await this.#client.kv.range({ key: encode(this.#prefix), range_end: prefixEnd(this.#prefix), revision: from, limit: 1, keys_only: true });
      } catch (probe) {
        compacted = /compacted/i.test(messageOf(probe));
      }
    }
    const reason = err.message.replace(/^Watcher canceled:\s*/, '').trim();
    const message = compacted
      ? `watch of "${this.#prefix}" cannot continue from revision ${from}: etcd has compacted its history past that revision; re-list and watch again from the list's revision + 1`
      : `watch of "${this.#prefix}" was cancelled by etcd at revision ${from}${reason ? `: ${reason}` : ''}; re-list and watch again`;
    return new WatchCancelledError(message, { compacted, fromRevision: from, cause: err });
  }

  async #drain(): Promise<void> {
    if (this.#draining) return;
    this.#draining = true;
    try {
      while (!this.#closed) {
        const item = this.#queue.shift();
        if (!item) break;
        if (item instanceof Error) {
          await this.#fail(item);
          break;
        }
        try {
          await this.#options.onEvent(item);
        } catch (err) {
          // The consumer's view now lags the store; the contract's recovery
          // for that is the same as for compaction: re-list and watch again.
          await this.#fail(
            new VooduError(
              `watch of "${this.#prefix}" stopped: onEvent failed on ${item.type} of "${item.key}" at revision ${item.modRevision}: ${messageOf(err)}`,
              { cause: err },
            ),
          );
          break;
        }
        this.#lastRevision = item.modRevision;
      }
    } finally {
      this.#draining = false;
    }
  }

  async #fail(err: Error): Promise<void> {
    if (this.#closed) return;
    await this.close();
    if (this.#options.onError) {
      try {
        this.#options.onError(err);
      } catch (cbErr) {
        this.#deps.log?.error(`watch of "${this.#prefix}": onError threw: ${messageOf(cbErr)}`);
      }
    } else {
      this.#deps.log?.error(err.message);
    }
  }
}
