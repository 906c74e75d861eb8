// Names of a redis resource: its `scope/name` reference, the containers of
// its pods and the DNS names voodu0 gives them. Every command and the
// expansion spell them through these functions, so a pod, a URL and a
// sentinel directive always agree.

/** Raised for a reference the user typed wrong; main.js turns it into the error envelope. */
export class RefError extends Error {}

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

/**
 * `scope/name` → `{scope, name}`; a bare `name` is unscoped (scope "").
 * Spaces around either part are dropped.
 * @param {unknown} ref
 * @param {string} [what] how the error names the argument, e.g. "provider"
 * @returns {{scope: string, name: string}}
 */
export function parseRef(ref, what = 'ref') {
  if (typeof ref !== 'string' || !ref.trim()) throw new RefError(`${what}: missing; give it as <scope>/<name>, e.g. prod/cache`);
  const parts = ref.trim().split('/');
  if (parts.length > 2) throw new RefError(`${what} "${ref}": more than one "/"; give it as <scope>/<name>, e.g. prod/cache`);
  if (parts.length === 1) return { scope: '', name: parts[0].trim() };
  const scope = parts[0].trim();
  const name = parts[1].trim();
  if (!scope || !name) throw new RefError(`${what} "${ref}": scope and name must both be non-empty; give it as <scope>/<name>, e.g. prod/cache`);
  return { scope, name };
}

/** `scope/name`, or `name` when unscoped. */
export const formatRef = (scope, name) => (scope ? `${scope}/${name}` : name);

/** Docker name of pod `ordinal`: `<scope>-<name>.<ordinal>` (unscoped `<name>.<ordinal>`). */
export const containerName = (scope, name, ordinal) => `${scope ? `${scope}-${name}` : name}.${ordinal}`;

const clean = (s) => String(s ?? '').trim().toLowerCase();

/** `.<scope>.voodu`, or `.voodu` when unscoped: what every DNS name of the resource ends with. */
export const dnsSuffix = (scope) => (clean(scope) ? `.${clean(scope)}.voodu` : '.voodu');

/** One pod's name on voodu0: `<name>-<ordinal>.<scope>.voodu`. */
export const podHost = (scope, name, ordinal) => `${clean(name)}-${ordinal}${dnsSuffix(scope)}`;

/** The name shared by every pod of the resource (Docker round-robins it): `<name>.<scope>.voodu`. */
export const sharedHost = (scope, name) => `${clean(name)}${dnsSuffix(scope)}`;

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
