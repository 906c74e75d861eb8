// Names of a redis resource: its `scope/name` reference, the containers of
// its pods and the DNS names voodu0 gives them. Every command and the
// expansion spell them through these functions, so a pod, a URL and a
// sentinel directive always agree. The generic half (references, pod and
// DNS names, positional checks) is the SDK's (sdk/ref.js).
import { parseRef as sdkParseRef, scopedRef as sdkScopedRef } from './sdk/ref.js';

export { RefError, containerName, dnsSuffix, expectPositionals, formatRef, podHost, sharedHost } from './sdk/ref.js';

/** The port redis listens on in every pod (redis.conf `port`). */
export const REDIS_PORT = 6379;
/** The port every sentinel listens on. */
export const SENTINEL_PORT = 26379;
/** The name sentinels know the monitored master by (`SENTINEL get-master-addr-by-name voodu-master`). */
export const SENTINEL_MASTER_NAME = 'voodu-master';

/** Keys of the provider's own config bucket. */
export const PROVIDER_KEYS = Object.freeze({
  password: 'REDIS_PASSWORD',
  masterOrdinal: 'REDIS_MASTER_ORDINAL',
  linkedConsumers: 'REDIS_LINKED_CONSUMERS',
});

/** Keys written into a linked consumer's bucket. */
export const CONSUMER_KEYS = Object.freeze({
  url: 'REDIS_URL',
  readUrl: 'REDIS_READ_URL',
  sentinelHosts: 'REDIS_SENTINEL_HOSTS',
  masterName: 'REDIS_MASTER_NAME',
});

const EXAMPLE = 'prod/cache';

/** parseRef of the SDK, its errors showing a redis reference (prod/cache). */
export const parseRef = (ref, what) => sdkParseRef(ref, what, EXAMPLE);

/** scopedRef of the SDK: `scope/name` → {scope, name, ref}, a bare name refused. */
export const scopedRef = (arg, what) => sdkScopedRef(arg, what, EXAMPLE);

const clean = (s) => String(s ?? '').trim().toLowerCase();

/**
 * The ordinal in a pod name as sentinels report it (`cache-2.prod.voodu` → 2),
 * or undefined for anything else (an IP, a foreign host).
 * @param {unknown} host
 * @returns {number | undefined}
 */
export function ordinalFromHost(host) {
  const m = /^[a-z0-9-]+-([0-9]+)\./.exec(clean(host));
  return m ? Number(m[1]) : undefined;
}
