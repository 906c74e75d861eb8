// The connection URLs a consumer gets, built one way for link,
// new-password, promote and info, so a rotation or a promotion re-emits
// exactly what a link wrote:
//
//   DATABASE_URL       postgres://<user>:<pw>@<name>-<P>.<scope>.voodu:<port>/<db>        (P = the current primary)
//   DATABASE_READ_URL  postgres://<user>:<pw>@<name>-1.<scope>.voodu:<port>,<name>-2…:<port>/<db>
//                        ?target_session_attrs=any                                         (every pod but the primary)
//                      one pod: the same as DATABASE_URL (reads go to the primary)
//
// The user, database and port are the cluster's configured ones (its spec
// env), never the image defaults. The password is percent-encoded as URL
// userinfo: an @ : / # ? % or space in it must never appear literally, or a
// client would read another host or password. The multi-host form works
// with libpq ≥ 10 (the first standby that answers serves); spreading reads
// at random needs `&load_balance_hosts=random`, which only libpq ≥ 16
// knows — an older one refuses the whole URL — so it is not added.
import { requirePassword } from './resource.js';

/** What info shows instead of a password. */
export const REDACTED = '***';

/** The query of a multi-host read URL: any standby that answers will do. */
export const READ_POOL_QUERY = 'target_session_attrs=any';

/**
 * RFC 3986 userinfo encoding that leaves only unreserved characters
 * (A–Z a–z 0–9 - . _ ~) literal; encodeURIComponent alone keeps ! ' ( ) *.
 * @param {string} s
 */
export function encodeUserinfo(s) {
  return encodeURIComponent(String(s)).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * `postgres://<user>:<pw>@<h1>:<port>[,<h2>:<port>…]/<db>[?query]`.
 * @param {{user: string, password: string, hosts: string[], port: number, db: string, query?: string}} p
 */
export function composePostgresUrl({ user, password, hosts, port, db, query }) {
  if (!Array.isArray(hosts) || hosts.length === 0) throw new Error('composePostgresUrl: no host');
  const auth = password ? `${encodeUserinfo(user)}:${encodeUserinfo(password)}` : encodeUserinfo(user);
  const where = hosts.map((h) => `${h}:${port}`).join(',');
  return `postgres://${auth}@${where}/${encodeURIComponent(db)}${query ? `?${query}` : ''}`;
}

/** The same URL with the password replaced by ***. */
export function redactUrl(url) {
  return String(url).replace(/^(postgres(?:ql)?:\/\/[^:@/]*:)[^@/]*@/, `$1${REDACTED}@`);
}

/**
 * The URLs of a cluster for a consumer. `primaryOrdinal` and `password`
 * override the cluster's (a promotion or a rotation about to be written:
 * the bucket still holds the old values).
 * @param {import('./resource.js').Cluster} cluster
 * @param {{reads?: boolean, primaryOrdinal?: number, password?: string}} [opts]
 * @returns {{write: string, read?: string, primaryOrdinal: number, standbys: number[]}}
 */
export function buildLinkUrls(cluster, opts = {}) {
  const password = opts.password ?? requirePassword(cluster);
  const primary = opts.primaryOrdinal ?? cluster.primaryOrdinal;
  if (!Number.isInteger(primary) || primary < 0 || primary >= cluster.replicas) {
    throw new Error(`postgres ${cluster.ref}: primary ordinal ${primary} names no pod (replicas = ${cluster.replicas})`);
  }
  const standbys = Array.from({ length: cluster.replicas }, (_, i) => i).filter((i) => i !== primary);
  const base = { user: cluster.user, password, port: cluster.port, db: cluster.db };
  const write = composePostgresUrl({ ...base, hosts: [cluster.host(primary)] });
  if (!opts.reads) return { write, primaryOrdinal: primary, standbys };
  // One pod: nothing to spread reads over, so they go where the writes go.
  const read = standbys.length === 0 ? write : composePostgresUrl({ ...base, hosts: standbys.map((i) => cluster.host(i)), query: READ_POOL_QUERY });
  return { write, read, primaryOrdinal: primary, standbys };
}
