// Names of a postgres resource: its `scope/name` reference, its pods'
// containers, volumes and DNS names, its bucket keys and where its backups
// live. Every command and the expansion spell them through these
// functions, so a pod, a URL and a backup job always agree. The generic
// half (references, pod and DNS names, positional checks) is the SDK's
// (sdk/ref.js).
import { parseRef as sdkParseRef, scopedRef as sdkScopedRef } from './sdk/ref.js';

export { RefError, containerName, dnsSuffix, expectPositionals, formatRef, podHost } from './sdk/ref.js';

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

const EXAMPLE = 'prod/db';

/** parseRef of the SDK, its errors showing a postgres reference (prod/db). */
export const parseRef = (ref, what) => sdkParseRef(ref, what, EXAMPLE);

/** scopedRef of the SDK: `scope/name` → {scope, name, ref}, a bare name refused. */
export const scopedRef = (arg, what) => sdkScopedRef(arg, what, EXAMPLE);

/** The docker volume of pod `ordinal`'s `data` claim: `voodu-<scope>-<name>-data-<ordinal>`. */
export const volumeName = (scope, name, ordinal) => `voodu-${scope ? `${scope}-${name}` : name}-data-${ordinal}`;

/**
 * The host directory backups of scope/name are written to:
 * `<root>/<scope>/<name>` (`_unscoped` for no scope), root being
 * $VOODU_POSTGRES_BACKUP_ROOT or /opt/voodu/backups.
 */
export function backupsHostDir(scope, name, env = process.env) {
  const root = String(env.VOODU_POSTGRES_BACKUP_ROOT ?? '').trim() || '/opt/voodu/backups';
  return `${root.replace(/\/+$/, '')}/${scope || '_unscoped'}/${name}`;
}
