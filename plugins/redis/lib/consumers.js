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
//
// The lists and the record are the SDK's (sdk/lists.js); redis names its
// keys and calls a consumer linked with --reads `readsOnly`.
import * as lists from './sdk/lists.js';

export { addToList, parseList, removeFromList } from './sdk/lists.js';

export const LINKED_KEY = 'REDIS_LINKED_CONSUMERS';
export const READS_KEY = 'REDIS_READS_CONSUMERS';
const KEYS = { linked: LINKED_KEY, reads: READS_KEY };

/**
 * Every linked consumer with the URL shape it was linked with. Entries that
 * are not a valid reference are skipped (they cannot have a bucket).
 * @param {Record<string, string> | undefined} config the redis's bucket
 * @returns {{ref: string, scope: string, name: string, readsOnly: boolean}[]}
 */
export function linkedConsumers(config) {
  return lists.linkedConsumers(config, KEYS).map(({ reads, ...c }) => ({ ...c, readsOnly: reads }));
}

/**
 * The config actions that record a link (`readsOnly` true/false) or an
 * unlink of `consumerRef` in the bucket of (scope, name), or none when the
 * bucket already says so (sdk/lists.js trackingActions); they skip the restart.
 * @param {string} scope
 * @param {string} name
 * @param {Record<string, string> | undefined} config that bucket as it is now
 * @param {string} consumerRef
 * @param {{link: boolean, readsOnly?: boolean}} change
 */
export function trackingActions(scope, name, config, consumerRef, change) {
  return lists.trackingActions(scope, name, config, consumerRef, { link: change.link, reads: change.readsOnly }, KEYS);
}
