/**
 * The events service over the store: one key per resource holding its
 * compacted log. Records are queued per resource and written by one loop
 * each, so a burst (200 replicas created) costs a few compare-and-swap
 * writes rather than one per event, and two records never race.
 */
import type { Logger } from '../../kernel/index.js';
import { messageOf } from '../../lib/errors.js';
import { formatRef, keys, type ResourceRef } from '../../lib/identity.js';
import type { Store } from '../store/contract.js';
import { appendEvent, changedLines, parseLog } from './compact.js';
import type { EventQuery, Events, NewEvent, ResourceEvent } from './contract.js';

const matches = (q: EventQuery, e: Pick<ResourceEvent, 'kind' | 'scope' | 'name'>) =>
  (!q.kind || q.kind === e.kind) && (q.scope === undefined || q.scope === e.scope) && (!q.name || q.name === e.name);

/** The narrowest key prefix holding every match. */
function prefixOf(q: EventQuery): string {
  if (!q.kind) return keys.eventsRoot;
  if (q.scope === undefined) return `${keys.eventsRoot}${q.kind}s/`;
  if (!q.name) return q.scope ? `${keys.eventsRoot}${q.kind}s/${q.scope}/` : `${keys.eventsRoot}${q.kind}s/`;
  return keys.events({ kind: q.kind, scope: q.scope, name: q.name });
}

const byLastTime = (a: ResourceEvent, b: ResourceEvent) => a.last_at.localeCompare(b.last_at);

export class EventLog implements Events {
  readonly #store: Store;
  readonly #log: Logger;
  readonly #now: () => Date;
  readonly #pending = new Map<string, { ref: ResourceRef; events: { event: NewEvent; at: string }[] }>();
  readonly #writers = new Map<string, Promise<void>>();

  constructor(store: Store, log: Logger, now: () => Date = () => new Date()) {
    this.#store = store;
    this.#log = log;
    this.#now = now;
  }

  record(ref: ResourceRef, event: NewEvent): void {
    const key = keys.events(ref);
    const queued = this.#pending.get(key) ?? { ref, events: [] };
    queued.events.push({ event, at: this.#now().toISOString() });
    this.#pending.set(key, queued);
    if (!this.#writers.has(key)) {
      const writer = this.#drain(key).finally(() => this.#writers.delete(key));
      this.#writers.set(key, writer);
    }
  }

  async #drain(key: string): Promise<void> {
    for (;;) {
      const batch = this.#pending.get(key);
      if (!batch) return;
      this.#pending.delete(key);
      try {
        await this.#write(key, batch.ref, batch.events);
      } catch (err) {
        this.#log.debug(`events of ${formatRef(batch.ref)}: ${batch.events.length} not recorded: ${messageOf(err)}`);
      }
    }
  }

  async #write(key: string, ref: ResourceRef, events: { event: NewEvent; at: string }[]): Promise<void> {
    const who = { resource: formatRef(ref), kind: ref.kind, scope: ref.scope, name: ref.name };
    for (let attempt = 0; attempt < 5; attempt++) {
      const kv = await this.#store.get(key);
      let log = parseLog(kv?.value);
      for (const { event, at } of events) log = appendEvent(log, who, event, at);
      const res = await this.#store.txn({
        compare: [kv ? { key, target: 'mod', op: '==', value: kv.modRevision } : { key, target: 'create', op: '==', value: 0 }],
        success: [{ op: 'put', key, value: JSON.stringify(log) }],
      });
      if (res.succeeded) return;
    }
    throw new Error('the log kept changing under five attempts');
  }

  async list(query: EventQuery = {}): Promise<ResourceEvent[]> {
    const { items } = await this.#store.list(prefixOf(query));
    return items.flatMap((kv) => parseLog(kv.value)).filter((e) => matches(query, e)).sort(byLastTime);
  }

  async follow(query: EventQuery, onEvent: (event: ResourceEvent) => void, onError?: (err: Error) => void): Promise<() => Promise<void>> {
    const prefix = prefixOf(query);
    const listed = await this.#store.list(prefix);
    const seen = new Map(listed.items.map((kv) => [kv.key, parseLog(kv.value)]));
    const watch = await this.#store.watch(prefix, {
      fromRevision: listed.revision + 1,
      onEvent: (e) => {
        if (e.type === 'delete') return void seen.delete(e.key);
        const next = parseLog(e.value);
        const fresh = changedLines(seen.get(e.key) ?? [], next);
        seen.set(e.key, next);
        for (const line of fresh) if (matches(query, line)) onEvent(line);
      },
      ...(onError ? { onError } : {}),
    });
    return () => watch.close();
  }

  async flush(): Promise<void> {
    while (this.#writers.size) await Promise.all([...this.#writers.values()]);
  }
}
