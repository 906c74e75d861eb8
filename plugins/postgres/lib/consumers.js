// Who is linked to a postgres, kept in the postgres's own config bucket:
//
//   POSTGRES_LINKED_CONSUMERS = "prod/web,prod/reports"   every linked consumer (the Go plugin's key and format)
//   POSTGRES_READS_CONSUMERS  = "prod/reports"            the ones linked with --reads
//
// The second key is how --reads is remembered: new-password and promote
// rebuild each consumer's URLs from it, so a consumer linked with --reads
// keeps its DATABASE_READ_URL and one linked without never grows one —
// whatever keys its bucket happens to hold, and however many pods the
// cluster had at link time. A consumer not in the second list gets
// DATABASE_URL only.
import { CONSUMER_KEYS, PROVIDER_KEYS, formatRef, parseRef } from './ref.js';
import { parseList } from './resource.js';
import { buildLinkUrls } from './urls.js';

export const LINKED_KEY = PROVIDER_KEYS.linkedConsumers;
export const READS_KEY = 'POSTGRES_READS_CONSUMERS';

export { parseList };

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
 * Every linked consumer with the shape it was linked with. Entries that are
 * not a `<scope>/<name>` reference are skipped (they cannot have a bucket).
 * @param {Record<string, string> | undefined} own the postgres's own bucket (not merged with its scope's)
 * @returns {{ref: string, scope: string, name: string, reads: boolean}[]}
 */
export function linkedConsumers(own) {
  const reads = new Set(parseList(own?.[READS_KEY]));
  const out = [];
  for (const ref of parseList(own?.[LINKED_KEY])) {
    let parsed;
    try {
      parsed = parseRef(ref);
    } catch {
      continue;
    }
    if (!parsed.scope || !parsed.name) continue;
    const clean = formatRef(parsed.scope, parsed.name);
    out.push({ ref: clean, scope: parsed.scope, name: parsed.name, reads: reads.has(ref) || reads.has(clean) });
  }
  return out;
}

/**
 * The config actions that record a link (with or without --reads) or an
 * unlink of `consumerRef` in the postgres's bucket, or none when the bucket
 * already says so. They skip the restart: PostgreSQL reads none of these
 * keys, and rolling the database for a bookkeeping change would be an outage.
 * @param {string} scope
 * @param {string} name
 * @param {Record<string, string> | undefined} own that bucket as it is now
 * @param {string} consumerRef
 * @param {{link: boolean, reads?: boolean}} change
 */
export function trackingActions(scope, name, own, consumerRef, change) {
  const now = { [LINKED_KEY]: parseList(own?.[LINKED_KEY]).join(','), [READS_KEY]: parseList(own?.[READS_KEY]).join(',') };
  const next = change.link
    ? {
        [LINKED_KEY]: addToList(now[LINKED_KEY], consumerRef),
        [READS_KEY]: change.reads ? addToList(now[READS_KEY], consumerRef) : removeFromList(now[READS_KEY], consumerRef),
      }
    : { [LINKED_KEY]: removeFromList(now[LINKED_KEY], consumerRef), [READS_KEY]: removeFromList(now[READS_KEY], consumerRef) };

  const set = {};
  const unset = [];
  for (const key of [LINKED_KEY, READS_KEY]) {
    // Compared with the raw value: a list with stray spaces or duplicates is rewritten clean.
    if (next[key] === (own?.[key] ?? '')) continue;
    if (next[key]) set[key] = next[key];
    else if (own?.[key] !== undefined) unset.push(key);
  }
  const actions = [];
  if (Object.keys(set).length) actions.push({ type: 'config_set', scope, name, kv: set, skip_restart: true });
  if (unset.length) actions.push({ type: 'config_unset', scope, name, keys: unset, skip_restart: true });
  return actions;
}

/**
 * The consumer keys for one link shape: DATABASE_URL, plus DATABASE_READ_URL with --reads.
 * @param {import('./resource.js').Cluster} cluster
 * @param {{reads: boolean, primaryOrdinal?: number, password?: string}} opts
 */
export function consumerKv(cluster, opts) {
  const urls = buildLinkUrls(cluster, opts);
  const kv = { [CONSUMER_KEYS.url]: urls.write };
  if (urls.read) kv[CONSUMER_KEYS.readUrl] = urls.read;
  return kv;
}

/**
 * One `config_set` per linked consumer, each in the shape it was linked
 * with, pointing at `primaryOrdinal` (default: the cluster's current
 * primary) with `password` (default: the cluster's). new-password and
 * promote hand these back; each consumer restarts with its new URLs.
 * @param {import('./resource.js').Cluster} cluster
 * @param {{primaryOrdinal?: number, password?: string}} [opts]
 * @returns {{type: 'config_set', scope: string, name: string, kv: Record<string, string>}[]}
 */
export function consumerActions(cluster, opts = {}) {
  return linkedConsumers(cluster.own).map((c) => ({
    type: 'config_set',
    scope: c.scope,
    name: c.name,
    kv: consumerKv(cluster, { reads: c.reads, primaryOrdinal: opts.primaryOrdinal, password: opts.password }),
  }));
}
