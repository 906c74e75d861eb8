/**
 * The `store` service: desired state, config and status on etcd. Keys are
 * plain strings (layout in kernel/identity.ts `keys`), values are strings;
 * the JSON helpers are conveniences on top. Revisions are etcd revisions.
 */
export interface KeyValue {
  key: string;
  value: string;
  /** Revision of the last change to this key. */
  modRevision: number;
  createRevision: number;
  version: number;
}

export interface ListResult {
  /** Store revision the list was read at: watch from `revision + 1` to miss nothing after it. */
  revision: number;
  items: KeyValue[];
}

export interface WatchEvent {
  type: 'put' | 'delete';
  key: string;
  /** New value (put) — empty on delete. */
  value: string;
  /** Value before this event, when etcd still has it. */
  prevValue?: string;
  modRevision: number;
}

export interface WatchOptions {
  /** First revision to deliver. Omit to start after the current revision. */
  fromRevision?: number;
  /** Events are delivered one at a time, in revision order; the next waits for the returned promise. */
  onEvent(event: WatchEvent): void | Promise<void>;
  /**
   * The watch cannot continue from where it was (history compacted, or it was
   * cancelled by the server). The watcher is closed; re-list and watch again.
   * Transient disconnects are NOT reported here: the watch resumes by itself
   * from the last delivered revision.
   */
  onError?(err: Error): void;
}

export interface Watch {
  /** Highest revision delivered so far (0 before the first event). */
  readonly lastRevision: number;
  close(): Promise<void>;
}

export type Compare =
  | { key: string; target: 'value'; op: '==' | '!=' | '<' | '>'; value: string }
  | { key: string; target: 'mod' | 'create' | 'version'; op: '==' | '!=' | '<' | '>'; value: number };

export type TxnOp =
  | { op: 'put'; key: string; value: string; lease?: string }
  | { op: 'delete'; key: string }
  | { op: 'deletePrefix'; prefix: string };

export interface TxnRequest {
  /** All must hold for `success` to run; empty means always. */
  compare?: Compare[];
  success: TxnOp[];
  failure?: TxnOp[];
}

export interface TxnResult {
  succeeded: boolean;
  revision: number;
}

export interface Lease {
  /** etcd lease id (int64 as a decimal string). */
  readonly id: string;
  readonly ttlSeconds: number;
  /** Put a key bound to this lease: it vanishes when the lease does. */
  put(key: string, value: string): Promise<void>;
  /** Fires once if the lease is lost (keepalive failed past its TTL). */
  onLost(fn: (err: Error) => void): void;
  revoke(): Promise<void>;
}

export interface Store {
  get(key: string): Promise<KeyValue | undefined>;
  getJSON<T>(key: string): Promise<T | undefined>;
  put(key: string, value: string): Promise<{ revision: number }>;
  putJSON(key: string, value: unknown): Promise<{ revision: number }>;
  /** True when the key existed. */
  delete(key: string): Promise<boolean>;
  /** Number of keys deleted. */
  deletePrefix(prefix: string): Promise<number>;
  /** Every key under `prefix`, sorted by key, with the revision the read was made at. */
  list(prefix: string): Promise<ListResult>;
  watch(prefix: string, options: WatchOptions): Promise<Watch>;
  /** All-or-nothing: every op of the chosen branch commits at one revision, or none does. */
  txn(request: TxnRequest): Promise<TxnResult>;
  lease(ttlSeconds: number): Promise<Lease>;
  /** Current store revision. */
  revision(): Promise<number>;
}

declare module '../../kernel/services.js' {
  interface ServiceMap {
    store: Store;
  }
}
