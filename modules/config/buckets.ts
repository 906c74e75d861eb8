/**
 * Config buckets on the store: read, patch, unset, wipe. Every write is one
 * etcd transaction so a watcher never sees half a change.
 */
import { type Logger } from '../../kernel/index.js';
import { keys } from '../../lib/identity.js';
import type { Store, TxnOp } from '../store/contract.js';
import type { ConfigVars } from './contract.js';
import { assertApp, assertBucket, assertKey, assertKeyCount, assertValue } from './validate.js';

/** `prod` or `prod/api`: how a bucket is named in log lines. */
export function bucketLabel(scope: string, name?: string): string {
  return name ? `${scope}/${name}` : scope;
}

export class Buckets {
  readonly #store: Store;
  readonly #log: Logger;

  constructor(store: Store, log: Logger) {
    this.#store = store;
    this.#log = log;
  }

  async bucket(scope: string, name?: string): Promise<ConfigVars> {
    assertBucket(scope, name);
    const prefix = keys.configBucket(scope, name);
    const { items } = await this.#store.list(prefix);
    const entries: [string, string][] = [];
    for (const item of items) {
      const key = item.key.slice(prefix.length);
      // A deeper key is not a variable of this bucket (nothing we write makes one).
      if (key && !key.includes('/')) entries.push([key, item.value]);
    }
    // fromEntries defines own properties: `__proto__` is a valid env name and must stay a key.
    return Object.fromEntries(entries);
  }

  async resolve(scope: string, name: string): Promise<ConfigVars> {
    assertApp(scope, name);
    const [scoped, app] = await Promise.all([this.bucket(scope), this.bucket(scope, name)]);
    return { ...scoped, ...app };
  }

  async patch(scope: string, name: string | undefined, kv: Record<string, string>): Promise<ConfigVars> {
    assertBucket(scope, name);
    const entries = Object.entries(kv);
    assertKeyCount(entries.length, 'config');
    const ops: TxnOp[] = [];
    const set: string[] = [];
    const unset: string[] = [];
    for (const [key, value] of entries) {
      assertKey(key, 'config key');
      assertValue(key, value, `config.${key}`);
      if (value === '') {
        ops.push({ op: 'delete', key: keys.configKey(scope, name, key) });
        unset.push(key);
      } else {
        ops.push({ op: 'put', key: keys.configKey(scope, name, key), value });
        set.push(key);
      }
    }
    if (ops.length) {
      await this.#store.txn({ success: ops });
      this.#log.info(`config ${bucketLabel(scope, name)}: ${describe(set, unset)}`);
    }
    return this.bucket(scope, name);
  }

  async unset(scope: string, name: string | undefined, names: string[]): Promise<string[]> {
    assertBucket(scope, name);
    assertKeyCount(names.length, 'keys');
    for (const key of names) assertKey(key, 'config key');
    const before = await this.bucket(scope, name);
    const present = [...new Set(names)].filter((key) => Object.hasOwn(before, key));
    if (present.length) {
      await this.#store.txn({ success: present.map((key) => ({ op: 'delete', key: keys.configKey(scope, name, key) })) });
      this.#log.info(`config ${bucketLabel(scope, name)}: ${describe([], present)}`);
    }
    return present;
  }

  async wipe(scope: string, name?: string): Promise<number> {
    assertBucket(scope, name);
    const removed = await this.#store.deletePrefix(keys.configBucket(scope, name));
    if (removed) this.#log.info(`config ${bucketLabel(scope, name)}: wiped ${removed} key(s)`);
    return removed;
  }
}

function describe(set: string[], unset: string[]): string {
  const parts: string[] = [];
  if (set.length) parts.push(`set ${set.join(', ')}`);
  if (unset.length) parts.push(`unset ${unset.join(', ')}`);
  return parts.join('; ');
}
