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
//
// The lists and the record are the SDK's (sdk/lists.js), with postgres's keys.
import { CONSUMER_KEYS, PROVIDER_KEYS } from './ref.js';
import * as lists from './sdk/lists.js';
import { buildLinkUrls } from './urls.js';

export { addToList, parseList, removeFromList } from './sdk/lists.js';

export const LINKED_KEY = PROVIDER_KEYS.linkedConsumers;
export const READS_KEY = 'POSTGRES_READS_CONSUMERS';
const KEYS = { linked: LINKED_KEY, reads: READS_KEY };

/**
 * Every linked consumer with the shape it was linked with (`reads`: linked with --reads).
 * @param {Record<string, string> | undefined} own the postgres's own bucket (not merged with its scope's)
 * @returns {{ref: string, scope: string, name: string, reads: boolean}[]}
 */
export const linkedConsumers = (own) => lists.linkedConsumers(own, KEYS);

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
export const trackingActions = (scope, name, own, consumerRef, change) => lists.trackingActions(scope, name, own, consumerRef, change, KEYS);

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
