/**
 * The `Lease` contract on an etcd3 lease. `EtcdStore.lease()` grants it and
 * tracks it, so the store's shutdown can stop its keepalives.
 */
import { EtcdLeaseInvalidError, type Lease as EtcdLease3 } from 'etcd3';
import { VooduError, messageOf } from '../../lib/errors.js';
import type { Lease } from './contract.js';

export class StoreLease implements Lease {
  #id = '';
  readonly ttlSeconds: number;
  readonly #inner: EtcdLease3;
  readonly #listeners: Array<(err: Error) => void> = [];
  readonly #onDone: (lease: StoreLease) => void;
  readonly #wrap: (op: string, err: unknown) => Error;
  #lost: Error | undefined;

  constructor(inner: EtcdLease3, ttlSeconds: number, onDone: (l: StoreLease) => void, wrap: (op: string, err: unknown) => Error) {
    this.#inner = inner;
    this.ttlSeconds = ttlSeconds;
    this.#onDone = onDone;
    this.#wrap = wrap;
    inner.on('lost', (err) => this.#markLost(err));
  }

  get id(): string {
    return this.#id;
  }

  async granted(): Promise<void> {
    this.#id = await this.#inner.grant();
  }

  async put(key: string, value: string): Promise<void> {
    if (this.#lost) throw this.#lost;
    try {
      await this.#inner.put(key).value(value);
    } catch (err) {
      throw this.#lost ?? this.#wrap('lease put', err);
    }
  }

  onLost(fn: (err: Error) => void): void {
    const lost = this.#lost;
    if (lost) queueMicrotask(() => fn(lost));
    else this.#listeners.push(fn);
  }

  async revoke(): Promise<void> {
    this.#onDone(this);
    try {
      await this.#inner.revoke();
    } catch (err) {
      throw this.#wrap('lease revoke', err);
    }
  }

  /** Stop keepalives without revoking: the keys go when the TTL runs out. */
  release(): void {
    this.#inner.release();
  }

  #markLost(err: Error): void {
    if (this.#lost) return;
    // etcd3's own message reads "Lease We lost connection ... is expired or revoked".
    const why = /lost connection/i.test(err.message)
      ? 'keepalives failed for longer than its TTL (etcd unreachable)'
      : err instanceof EtcdLeaseInvalidError
        ? 'etcd says it expired or was revoked'
        : messageOf(err);
    this.#lost = new VooduError(`lease ${this.#id || '(not granted)'} (ttl ${this.ttlSeconds}s) was lost: ${why}`, { cause: err });
    this.#onDone(this);
    for (const fn of this.#listeners.splice(0)) {
      try {
        fn(this.#lost);
      } catch {
        // A listener's failure must not stop the others hearing about the loss.
      }
    }
  }
}
