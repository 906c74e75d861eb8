/**
 * The `Store` contract on etcd, through the `etcd3` client. Plain KV calls go
 * straight to the raw KV RPCs (not etcd3's builders) because the contract
 * needs the response header revision of every read and write.
 *
 * Watch (etcd-watch.ts) and lease (etcd-lease.ts) are created and tracked
 * here: they share the client, its error mapping and its shutdown.
 */
import { ConsecutiveBreaker, ExponentialBackoff, circuitBreaker, handleWhen, isBrokenCircuitError, retry } from 'cockatiel';
import {
  ClientClosedError,
  Etcd3,
  GRPCDeadlineExceededError,
  isRecoverableError,
  type IKeyValue,
  type IRequestOp,
} from 'etcd3';
import { TransientError, ValidationError, VooduError, messageOf } from '../../lib/errors.js';
import type { Logger } from '../../kernel/log.js';
import type { Compare, KeyValue, Lease, ListResult, Store, TxnOp, TxnRequest, TxnResult, Watch, WatchOptions } from './contract.js';
import { StoreLease } from './etcd-lease.js';
import type { ClientCredentials } from './etcd-tls.js';
import { encode, prefixEnd } from './etcd-util.js';
import { EtcdWatch } from './etcd-watch.js';

export { prefixEnd } from './etcd-util.js';
export { WatchCancelledError } from './etcd-watch.js';

export interface EtcdStoreOptions {
  /** Client URLs, e.g. `http://127.0.0.1:2379`; all http or all https. */
  endpoints: string[];
  /** TLS for https endpoints: the CA to trust and the client certificate to present. */
  credentials?: ClientCredentials;
  /** Deadline of every unary call (streams have none). Default 5000. */
  callTimeoutMs?: number;
  /** How long `watch()` waits for etcd to acknowledge a new watch. Default 10000. */
  watchConnectTimeoutMs?: number;
  /** Keys per page when listing; pages are read at one revision. Default 1000. */
  listPageSize?: number;
  log?: Logger;
}

function toKeyValue(kv: IKeyValue): KeyValue {
  return {
    key: kv.key.toString('utf8'),
    value: kv.value.toString('utf8'),
    modRevision: Number(kv.mod_revision),
    createRevision: Number(kv.create_revision),
    version: Number(kv.version),
  };
}

const COMPARE_TARGET = { value: 'Value', mod: 'Mod', create: 'Create', version: 'Version' } as const;
const COMPARE_FIELD = { value: 'value', mod: 'mod_revision', create: 'create_revision', version: 'version' } as const;
const COMPARE_RESULT = { '==': 'Equal', '!=': 'NotEqual', '<': 'Less', '>': 'Greater' } as const;

export class EtcdStore implements Store {
  readonly endpoints: readonly string[];
  readonly #client: Etcd3;
  readonly #log: Logger | undefined;
  readonly #watchConnectTimeoutMs: number;
  readonly #pageSize: number;
  readonly #watches = new Set<EtcdWatch>();
  readonly #leases = new Set<StoreLease>();
  #closed = false;

  constructor(options: EtcdStoreOptions) {
    if (!Array.isArray(options.endpoints) || options.endpoints.length === 0) {
      throw new ValidationError('endpoints: give at least one etcd client URL, e.g. http://127.0.0.1:2379', { field: 'endpoints' });
    }
    this.endpoints = [...options.endpoints];
    const secure = this.endpoints.filter((ep) => ep.startsWith('https://')).length;
    // etcd3 would speak TLS to http:// endpoints whenever credentials are set, and throws an unhelpful error on a mix.
    if (secure && secure < this.endpoints.length) {
      throw new ValidationError(`endpoints ${this.endpoints.join(', ')}: mixes http:// and https://; make them all https://`, { field: 'endpoints' });
    }
    if (options.credentials && !secure) {
      throw new ValidationError(`endpoints ${this.endpoints.join(', ')}: TLS credentials need https:// endpoints`, { field: 'endpoints' });
    }
    this.#log = options.log;
    this.#watchConnectTimeoutMs = options.watchConnectTimeoutMs ?? 10_000;
    this.#pageSize = options.listPageSize ?? 1000;
    const callTimeoutMs = options.callTimeoutMs ?? 5000;
    this.#client = new Etcd3({
      hosts: this.endpoints as string[],
      // grpc takes a null root for the system trust store; etcd3's d.ts insists on a Buffer.
      ...(options.credentials && {
        credentials: { ...options.credentials, rootCertificate: options.credentials.rootCertificate ?? (null as unknown as Buffer) },
      }),
      dialTimeout: callTimeoutMs,
      // A big list page of manifests can pass grpc's 4 MiB default.
      grpcOptions: { 'grpc.max_receive_message_length': 64 * 1024 * 1024 },
      // Without a deadline a call to a hung (not dead) etcd waits forever.
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + callTimeoutMs }),
      faultHandling: {
        // One host: the breaker only decides how long we fail fast after etcd
        // dies. etcd3's 5 s default outlasts a restart of the embedded etcd.
        host: () =>
          circuitBreaker(handleWhen(isRecoverableError), { halfOpenAfter: 1000, breaker: new ConsecutiveBreaker(3) }),
        global: retry(handleWhen(isRecoverableError), {
          maxAttempts: 3,
          backoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 500 }),
        }),
        // etcd3's default grows to 30 s, so a watch would resume long after
        // etcd is back. Its d.ts mistypes this field.
        watchBackoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 1000 }) as any,
      },
    });
  }

  /** The underlying etcd3 client, for tests and tools; modules use the Store methods. */
  get client(): Etcd3 {
    return this.#client;
  }

  /** Fails with a message naming the endpoints unless etcd answers. */
  async ping(): Promise<void> {
    try {
      await this.#client.maintenance.status();
    } catch (err) {
      throw new TransientError(`cannot reach etcd at ${this.endpoints.join(', ')}: ${messageOf(err)}`, { cause: err });
    }
  }

  async get(key: string): Promise<KeyValue | undefined> {
    const res = await this.#call('get', () => this.#client.kv.range({ key: encode(key) }));
    const kv = res.kvs[0];
    return kv ? toKeyValue(kv) : undefined;
  }

  async getJSON<T>(key: string): Promise<T | undefined> {
    const kv = await this.get(key);
    if (!kv) return undefined;
    try {
      return JSON.parse(kv.value) as T;
    } catch (err) {
      throw new VooduError(`value of key "${key}" is not valid JSON: ${messageOf(err)}`, { cause: err });
    }
  }

  async put(key: string, value: string): Promise<{ revision: number }> {
    const res = await this.#call('put', () => this.#client.kv.put({ key: encode(key), value: encode(value) }));
    return { revision: Number(res.header.revision) };
  }

  putJSON(key: string, value: unknown): Promise<{ revision: number }> {
    const text = JSON.stringify(value);
    if (text === undefined) throw new ValidationError(`value for key "${key}" cannot be stored as JSON`);
    return this.put(key, text);
  }

  async delete(key: string): Promise<boolean> {
    const res = await this.#call('delete', () => this.#client.kv.deleteRange({ key: encode(key) }));
    return Number(res.deleted) > 0;
  }

  async deletePrefix(prefix: string): Promise<number> {
    assertPrefix(prefix, 'deletePrefix');
    const res = await this.#call('deletePrefix', () =>
      this.#client.kv.deleteRange({ key: encode(prefix), range_end: prefixEnd(prefix) }),
    );
    return Number(res.deleted);
  }

  async list(prefix: string): Promise<ListResult> {
    const items: KeyValue[] = [];
    const end = prefixEnd(prefix);
    let from = encode(prefix);
    let revision: number | undefined;
    // Later pages are read at the first page's revision, so the whole list
    // (and the `revision` a watch resumes from) is one consistent snapshot.
    // etcd returns ranges sorted by key already.
    for (;;) {
      const res = await this.#call('list', () =>
        this.#client.kv.range({ key: from, range_end: end, limit: this.#pageSize, ...(revision ? { revision } : {}) }),
      );
      revision ??= Number(res.header.revision);
      for (const kv of res.kvs) items.push(toKeyValue(kv));
      const last = res.kvs[res.kvs.length - 1];
      if (!res.more || !last) break;
      from = Buffer.concat([last.key, Buffer.from([0])]);
    }
    return { revision, items };
  }

  async revision(): Promise<number> {
    // Any read carries the store revision in its header; a one-key range is the cheapest.
    const res = await this.#call('revision', () => this.#client.kv.range({ key: Buffer.from([0]), keys_only: true }));
    return Number(res.header.revision);
  }

  async txn(request: TxnRequest): Promise<TxnResult> {
    const res = await this.#call('txn', () =>
      this.#client.kv.txn({
        compare: (request.compare ?? []).map(toCompare),
        success: request.success.map(toRequestOp),
        failure: (request.failure ?? []).map(toRequestOp),
      }),
    );
    return { succeeded: res.succeeded, revision: Number(res.header.revision) };
  }

  async lease(ttlSeconds: number): Promise<Lease> {
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1) {
      throw new ValidationError(`lease ttlSeconds: ${ttlSeconds} is not a whole number of seconds >= 1`, { field: 'ttlSeconds' });
    }
    this.#assertOpen('lease');
    const inner = this.#client.lease(ttlSeconds);
    // Wrapped at once, so a loss before the caller reaches onLost is still reported.
    const lease = new StoreLease(inner, ttlSeconds, (l) => this.#leases.delete(l), (op, err) => this.#wrap(op, err));
    try {
      await lease.granted();
    } catch (err) {
      inner.release();
      throw this.#wrap('lease grant', err);
    }
    this.#leases.add(lease);
    return lease;
  }

  async watch(prefix: string, options: WatchOptions): Promise<Watch> {
    if (typeof options?.onEvent !== 'function') {
      throw new ValidationError('watch: options.onEvent must be a function', { field: 'onEvent' });
    }
    const from = options.fromRevision ?? (await this.revision()) + 1;
    if (!Number.isInteger(from) || from < 1) {
      throw new ValidationError(`watch fromRevision: ${options.fromRevision} is not a revision (an integer >= 1)`, {
        field: 'fromRevision',
      });
    }
    this.#assertOpen('watch');
    const watch = new EtcdWatch(this.#client, prefix, from, options, {
      log: this.#log,
      endpoints: this.endpoints.join(', '),
      onClosed: (w) => this.#watches.delete(w),
    });
    this.#watches.add(watch);
    await watch.open(this.#watchConnectTimeoutMs);
    return watch;
  }

  /**
   * Closes every watch, stops lease keepalives (their keys expire with the
   * TTL; revoke first to drop them now) and closes the client. etcd3 leaves a
   * watch-reconnect timer of at most one backoff step (≤ 1 s) behind.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#watches].map((w) => w.close()));
    for (const lease of this.#leases) lease.release();
    this.#leases.clear();
    this.#client.close();
  }

  #assertOpen(op: string): void {
    if (this.#closed) throw new VooduError(`store ${op}: the store is closed`);
  }

  async #call<T>(op: string, fn: () => Promise<T>): Promise<T> {
    this.#assertOpen(op);
    try {
      return await fn();
    } catch (err) {
      throw this.#wrap(op, err);
    }
  }

  /** Maps etcd3's errors onto the kernel's: "etcd is away" becomes a TransientError the reconciler retries. */
  #wrap(op: string, err: unknown): Error {
    if (err instanceof VooduError) return err;
    if (err instanceof ClientClosedError) return new VooduError(`store ${op}: the store is closed`, { cause: err });
    if (
      err instanceof Error &&
      (isRecoverableError(err) || isBrokenCircuitError(err) || err instanceof GRPCDeadlineExceededError)
    ) {
      return new TransientError(`etcd at ${this.endpoints.join(', ')} unavailable during ${op}: ${messageOf(err)}`, {
        cause: err,
      });
    }
    return new VooduError(`etcd ${op} failed: ${messageOf(err)}`, { cause: err });
  }
}

function assertPrefix(prefix: string, op: string): void {
  // An empty prefix is the whole keyspace: never what a caller of deletePrefix means.
  if (typeof prefix !== 'string' || prefix === '') {
    throw new ValidationError(`${op}: prefix must be a non-empty string`, { field: 'prefix' });
  }
}

function toCompare(c: Compare) {
  const target = COMPARE_TARGET[c.target];
  const result = COMPARE_RESULT[c.op];
  if (!target) throw new ValidationError(`txn compare target "${c.target}" is not one of value, mod, create, version`);
  if (!result) throw new ValidationError(`txn compare op "${c.op}" is not one of ==, !=, <, >`);
  const value = c.target === 'value' ? encode(c.value) : String(c.value);
  return { key: encode(c.key), target, result, [COMPARE_FIELD[c.target]]: value };
}

function toRequestOp(op: TxnOp): IRequestOp {
  switch (op.op) {
    case 'put':
      return { request_put: { key: encode(op.key), value: encode(op.value), ...(op.lease ? { lease: op.lease } : {}) } };
    case 'delete':
      return { request_delete_range: { key: encode(op.key) } };
    case 'deletePrefix':
      assertPrefix(op.prefix, 'txn deletePrefix');
      return { request_delete_range: { key: encode(op.prefix), range_end: prefixEnd(op.prefix) } };
    default:
      throw new ValidationError(`txn op ${JSON.stringify((op as { op?: unknown }).op)} is not one of put, delete, deletePrefix`);
  }
}
