// Who is linked to a redis, kept in the redis's own config bucket:
//
//   REDIS_LINKED_CONSUMERS = "prod/web,prod/dash"   every linked consumer (the key and format of the Go voodu-redis)
//   REDIS_READS_CONSUMERS  = "prod/dash"            the ones linked with --reads
//
// The second key is how --reads is remembered: new-password and failover
// rebuild each consumer's URLs from it, so a reads-only consumer keeps its
// one round-robin URL and a writer keeps its master URL — even when the
// redis had one pod at link time and several now. A consumer not in the
// second list is a writer. The first list keeps its old format, so
// consumers linked by the Go voodu-redis read the same.
import { formatRef, parseRef } from './ref.js';

export const LINKED_KEY = 'REDIS_LINKED_CONSUMERS';
export const READS_KEY = 'REDIS_READS_CONSUMERS';

/** `a, b,,c` → ['a', 'b', 'c']: trimmed, empty entries dropped, first occurrence kept. */
export function parseList(raw) {
  if (typeof raw !== 'string') return [];
  const out = [];
  for (const part of raw.split(',')) {
    const p = part.trim();
    if (p && !out.includes(p)) out.push(p);
  }
  return out;
}

/** The list with `ref` appended unless already there, joined again. */
export function addToList(raw, ref) {
  const list = parseList(raw);
  if (!list.includes(ref)) list.push(ref);
  return list.join(',');
}

/** The list without `ref` ('' when it was the last one). */
export function removeFromList(raw, ref) {
  return parseList(raw).filter((r) => r !== ref).join(',');
}

/**
 * Every linked consumer with the URL shape it was linked with. Entries that
 * are not a valid reference are skipped (they cannot have a bucket).
 * @param {Record<string, string>} config the redis's bucket
 * @returns {{ref: string, scope: string, name: string, readsOnly: boolean}[]}
 */
export function linkedConsumers(config) {
  const reads = new Set(parseList(config?.[READS_KEY]));
  const out = [];
  for (const ref of parseList(config?.[LINKED_KEY])) {
    let parsed;
    try {
      parsed = parseRef(ref);
    } catch {
      continue;
    }
    if (!parsed.scope || !parsed.name) continue;
    out.push({ ref: formatRef(parsed.scope, parsed.name), ...parsed, readsOnly: reads.has(ref) });
  }
  return out;
}

/**
 * The config actions that record a link (`readsOnly` true/false) or an
 * unlink of `consumerRef` in the bucket of (scope, name), or none when the
 * bucket already says so. They skip the immediate restart (nothing in redis
 * reads these keys); the controller still rolls the pods into the changed
 * env at its next reconcile, so unchanged records are never rewritten.
 * @param {string} scope
 * @param {string} name
 * @param {Record<string, string>} config that bucket as it is now
 * @param {string} consumerRef
 * @param {{link: boolean, readsOnly?: boolean}} change
 */
export function trackingActions(scope, name, config, consumerRef, change) {
  const now = { [LINKED_KEY]: parseList(config?.[LINKED_KEY]).join(','), [READS_KEY]: parseList(config?.[READS_KEY]).join(',') };
  const next = change.link
    ? {
        [LINKED_KEY]: addToList(now[LINKED_KEY], consumerRef),
        [READS_KEY]: change.readsOnly ? addToList(now[READS_KEY], consumerRef) : removeFromList(now[READS_KEY], consumerRef),
      }
    : { [LINKED_KEY]: removeFromList(now[LINKED_KEY], consumerRef), [READS_KEY]: removeFromList(now[READS_KEY], consumerRef) };

  const set = {};
  const unset = [];
  for (const key of [LINKED_KEY, READS_KEY]) {
    // Compare with the raw value too: a list with stray spaces or duplicates gets rewritten clean.
    if (next[key] === (config?.[key] ?? '')) continue;
    if (next[key]) set[key] = next[key];
    else if (config?.[key] !== undefined) unset.push(key);
  }
  const actions = [];
  if (Object.keys(set).length) actions.push({ type: 'config_set', scope, name, kv: set, skip_restart: true });
  if (unset.length) actions.push({ type: 'config_unset', scope, name, keys: unset, skip_restart: true });
  return actions;
}
