/**
 * Persists each cronjob's `next_run` as the scheduler moves it. Writes for
 * one cronjob are serialized and coalesced (only the newest value is
 * written), so a slow write can never land after a newer one and the tick
 * that moved the value never waits for etcd.
 */
import { type Logger } from '../../kernel/index.js';
import { messageOf } from '../../lib/errors.js';
import { type ResourceRef } from '../../lib/identity.js';
import { entryKey } from './scheduler.js';

export type WriteNextRun = (ref: ResourceRef, nextRun: string | undefined) => Promise<void>;

export class NextRunWriter {
  readonly #latest = new Map<string, { ref: ResourceRef; value: string | undefined }>();
  readonly #busy = new Set<string>();
  readonly #write: WriteNextRun;
  readonly #log: Logger;

  constructor(write: WriteNextRun, log: Logger) {
    this.#write = write;
    this.#log = log;
  }

  set(ref: ResourceRef, value: string | undefined): void {
    const key = entryKey(ref);
    this.#latest.set(key, { ref, value });
    if (this.#busy.has(key)) return; // the running loop picks the new value up
    this.#busy.add(key);
    void this.#drain(key);
  }

  async #drain(key: string): Promise<void> {
    try {
      for (let item = this.#latest.get(key); item; item = this.#latest.get(key)) {
        this.#latest.delete(key);
        await this.#write(item.ref, item.value).catch((err) => this.#log.warn(`cronjob/${key}: next_run not written: ${messageOf(err)}`));
      }
    } finally {
      this.#busy.delete(key);
    }
  }
}
