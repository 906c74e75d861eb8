// SQL in a pod: `docker exec -i <pod> psql` over the pod's unix socket
// (local connections are trusted, as the postgres image's initdb sets
// them), the statements on stdin — never in argv, where `ps` would show a
// password in an ALTER ROLE to every user of the host.
import { docker } from './sdk/docker.js';

/**
 * Runs `sql` in pod `ordinal` of `cluster` as its configured user; resolves
 * the unaligned, tuples-only output (`a|b` rows), or throws with psql's own words.
 * @param {import('./resource.js').Cluster} cluster
 * @param {number} ordinal
 * @param {string} sql
 * @param {{db?: string, timeoutMs?: number, what?: string}} [opts]
 */
export async function runSql(cluster, ordinal, sql, opts = {}) {
  const container = cluster.container(ordinal);
  const argv = ['exec', '-i', container, 'psql', '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-U', cluster.user, '-d', opts.db ?? cluster.db, '-p', String(cluster.port), '-f', '-'];
  const r = await docker(argv, { input: sql, timeoutMs: opts.timeoutMs ?? 30_000 });
  if (r.code !== 0) {
    const why = (r.stderr.trim() || r.stdout.trim() || `psql exited ${r.code}`).split('\n').filter(Boolean).slice(-2).join(' ');
    throw new Error(`${opts.what ?? `postgres ${cluster.ref}: SQL in ${container}`}: ${why}`);
  }
  return r.stdout.trim();
}

/** `'…'` with every `'` doubled: a SQL string literal. */
export const sqlString = (s) => `'${String(s).replace(/'/g, "''")}'`;

/** `"…"` with every `"` doubled: a SQL identifier. */
export const sqlIdent = (s) => `"${String(s).replace(/"/g, '""')}"`;

/** True when pod `ordinal` answers `pg_is_in_recovery()` with false (it is a primary). */
export async function isPrimary(cluster, ordinal) {
  return (await runSql(cluster, ordinal, 'SELECT pg_is_in_recovery();', { db: 'postgres' })) === 'f';
}
