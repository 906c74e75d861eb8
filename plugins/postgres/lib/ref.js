// Names of a postgres resource: its `scope/name` reference, its pods'
// containers, volumes and DNS names, its bucket keys and where its backups
// live. Every command and the expansion spell them through these
// functions, so a pod, a URL and a backup job always agree.

/** Raised for a reference the user typed wrong; main.js turns it into the error envelope. */
export class RefError extends Error {}

export const DEFAULT_PORT = 5432;
export const DEFAULT_USER = 'postgres';
export const DEFAULT_DATABASE = 'postgres';
export const DEFAULT_REPLICATION_USER = 'replicator';
export const DEFAULT_PGDATA = '/var/lib/postgresql/data/pgdata';
/** Where the backups directory is mounted in every pod and backup job. */
export const BACKUPS_MOUNT = '/backups';

/** Keys of the provider's own config bucket. */
export const PROVIDER_KEYS = Object.freeze({
  password: 'POSTGRES_PASSWORD',
  replicationPassword: 'POSTGRES_REPLICATION_PASSWORD',
  primaryOrdinal: 'PG_PRIMARY_ORDINAL',
  exposePublic: 'PG_EXPOSE_PUBLIC',
  linkedConsumers: 'POSTGRES_LINKED_CONSUMERS',
  backupKeep: 'BACKUP_KEEP',
  backupMaxAge: 'BACKUP_MAX_AGE',
});

/** Keys written into a linked consumer's bucket. */
export const CONSUMER_KEYS = Object.freeze({
  url: 'DATABASE_URL',
  readUrl: 'DATABASE_READ_URL',
});

/**
 * `scope/name` → `{scope, name}`; a bare `name` is unscoped (scope "").
 * @param {unknown} ref
 * @param {string} [what] how the error names the argument, e.g. "provider"
 * @returns {{scope: string, name: string}}
 */
export function parseRef(ref, what = 'ref') {
  if (typeof ref !== 'string' || !ref.trim()) throw new RefError(`${what}: missing; give it as <scope>/<name>, e.g. prod/db`);
  const parts = ref.trim().split('/');
  if (parts.length > 2) throw new RefError(`${what} "${ref}": more than one "/"; give it as <scope>/<name>, e.g. prod/db`);
  if (parts.length === 1) return { scope: '', name: parts[0].trim() };
  const scope = parts[0].trim();
  const name = parts[1].trim();
  if (!scope || !name) throw new RefError(`${what} "${ref}": scope and name must both be non-empty; give it as <scope>/<name>, e.g. prod/db`);
  return { scope, name };
}

/** `scope/name`, or `name` when unscoped. */
export const formatRef = (scope, name) => (scope ? `${scope}/${name}` : name);

/**
 * `scope/name` → {scope, name, ref}; config buckets need a scope, so a bare name is refused.
 * @param {unknown} arg
 * @param {string} what how the error names the argument ("provider", "consumer", "<scope>/<name>")
 */
export function scopedRef(arg, what) {
  const { scope, name } = parseRef(arg, what);
  if (!scope) throw new RefError(`${what} "${name}": needs its scope, as <scope>/<name> (e.g. prod/${name}); voodu keeps config per scope`);
  return { scope, name, ref: formatRef(scope, name) };
}

/** `usage: …` when the positionals are not exactly `count` (or within [count, max]). */
export function expectPositionals(positional, count, usage, max = count) {
  if (positional.length < count) throw new Error(`missing argument${count - positional.length > 1 ? 's' : ''}\nusage: ${usage}`);
  if (positional.length > max) throw new Error(`unexpected argument "${positional[max]}"\nusage: ${usage}`);
}

/** Docker name of pod `ordinal`: `<scope>-<name>.<ordinal>` (unscoped `<name>.<ordinal>`). */
export const containerName = (scope, name, ordinal) => `${scope ? `${scope}-${name}` : name}.${ordinal}`;

/** The docker volume of pod `ordinal`'s `data` claim: `voodu-<scope>-<name>-data-<ordinal>`. */
export const volumeName = (scope, name, ordinal) => `voodu-${scope ? `${scope}-${name}` : name}-data-${ordinal}`;

const clean = (s) => String(s ?? '').trim().toLowerCase();

/** `.<scope>.voodu`, or `.voodu` when unscoped: what every DNS name of the resource ends with. */
export const dnsSuffix = (scope) => (clean(scope) ? `.${clean(scope)}.voodu` : '.voodu');

/** One pod's name on voodu0: `<name>-<ordinal>.<scope>.voodu`. */
export const podHost = (scope, name, ordinal) => `${clean(name)}-${ordinal}${dnsSuffix(scope)}`;

/**
 * The host directory backups of scope/name are written to:
 * `<root>/<scope>/<name>` (`_unscoped` for no scope), root being
 * $VOODU_POSTGRES_BACKUP_ROOT or /opt/voodu/backups.
 */
export function backupsHostDir(scope, name, env = process.env) {
  const root = String(env.VOODU_POSTGRES_BACKUP_ROOT ?? '').trim() || '/opt/voodu/backups';
  return `${root.replace(/\/+$/, '')}/${scope || '_unscoped'}/${name}`;
}
