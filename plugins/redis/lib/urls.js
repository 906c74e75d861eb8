// The URLs a consumer gets, built the same way by link, new-password,
// failover and info, so a rotation or a failover re-emits exactly the
// shape the link chose:
//
//   one pod, or --reads   REDIS_URL      = redis://default:<pw>@<name>.<scope>.voodu:<port>     (every pod's name)
//   several pods          REDIS_URL      = redis://default:<pw>@<name>-<M>.<scope>.voodu:<port> (the master, ordinal M)
//                         REDIS_READ_URL = redis://default:<pw>@<name>.<scope>.voodu:<port>
//
// The password is percent-encoded as URL userinfo: a character such as
// @ : / # ? % or a space in it must never appear literally, or the client
// would read a different host or password.
import { REDIS_PORT, SENTINEL_PORT, podHost, sharedHost } from './ref.js';
import { redisMasterOrdinal, redisReplicas } from './topology.js';

/** What info shows instead of a password. */
export const REDACTED = '***';

/**
 * RFC 3986 userinfo encoding that leaves only unreserved characters
 * (A–Z a–z 0–9 - . _ ~) literal; encodeURIComponent alone keeps ! ' ( ) *.
 * @param {string} s
 */
export function encodeUserinfo(s) {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * `redis://default:<pw>@host:port`, or `redis://host:port` without a password.
 * @param {string | undefined} password
 * @param {string} host
 * @param {number} port
 */
export function composeUrl(password, host, port) {
  return password ? `redis://default:${encodeUserinfo(password)}@${host}:${port}` : `redis://${host}:${port}`;
}

/** The same URL with the password replaced by ***. */
export function redactUrl(url) {
  return String(url).replace(/^(redis:\/\/[^:@/]*:)[^@/]*@/, `$1${REDACTED}@`);
}

/**
 * The port clients use: the container port of `spec.ports[0]` (digits after
 * the last ":" of "6380", "0.0.0.0:6380" or 6380), else 6379.
 */
export function redisPort(spec) {
  const first = Array.isArray(spec?.ports) ? spec.ports[0] : undefined;
  if (typeof first === 'number') return Number.isInteger(first) && first > 0 && first < 65536 ? first : REDIS_PORT;
  if (typeof first !== 'string') return REDIS_PORT;
  const m = /(?:^|:)(\d{1,5})(?:\/(?:tcp|udp))?$/.exec(first.trim());
  const n = m ? Number(m[1]) : NaN;
  return n > 0 && n < 65536 ? n : REDIS_PORT;
}

/** The password: the bucket's REDIS_PASSWORD, else the spec's env, else none. Strings only. */
export function redisPassword(config, spec) {
  const fromConfig = config?.REDIS_PASSWORD;
  if (typeof fromConfig === 'string' && fromConfig !== '') return fromConfig;
  const fromSpec = spec?.env?.REDIS_PASSWORD;
  if (typeof fromSpec === 'string' && fromSpec !== '') return fromSpec;
  return undefined;
}

/**
 * @param {{scope: string, name: string, spec: object, config: object, readsOnly?: boolean, masterOrdinal?: number, password?: string}} p
 *   `masterOrdinal` and `password` override what the bucket says (a failover or a rotation about to be written).
 * @returns {{write: string, read?: string, masterOrdinal: number, replicas: number}}
 */
export function buildLinkUrls({ scope, name, spec, config, readsOnly = false, masterOrdinal, password }) {
  const pw = password ?? redisPassword(config, spec);
  const port = redisPort(spec);
  const replicas = redisReplicas(spec);
  const master = masterOrdinal ?? redisMasterOrdinal(config);
  if (replicas <= 1 || readsOnly) return { write: composeUrl(pw, sharedHost(scope, name), port), masterOrdinal: master, replicas };
  return {
    write: composeUrl(pw, podHost(scope, name, master), port),
    read: composeUrl(pw, sharedHost(scope, name), port),
    masterOrdinal: master,
    replicas,
  };
}

/** `<name>-0.<scope>.voodu:26379,…`: one entry per sentinel pod. */
export function buildSentinelHosts(scope, name, replicas) {
  const n = Number.isInteger(replicas) && replicas >= 1 ? replicas : 1;
  return Array.from({ length: n }, (_, i) => `${podHost(scope, name, i)}:${SENTINEL_PORT}`).join(',');
}

/**
 * The redis a sentinel resource watches, read from the env its expansion
 * bakes in (VOODU_MONITOR_SCOPE / VOODU_MONITOR_NAME); undefined for a data redis.
 * @returns {{scope: string, name: string} | undefined}
 */
export function monitorTarget(spec) {
  const env = spec?.env;
  const name = typeof env?.VOODU_MONITOR_NAME === 'string' ? env.VOODU_MONITOR_NAME.trim() : '';
  if (!name) return undefined;
  const scope = typeof env?.VOODU_MONITOR_SCOPE === 'string' ? env.VOODU_MONITOR_SCOPE.trim() : '';
  return { scope, name };
}
