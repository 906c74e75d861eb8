// Types for ref.js.
export { RefError, containerName, dnsSuffix, expectPositionals, formatRef, podHost } from './sdk/ref.js';
export const DEFAULT_PORT: number;
export const DEFAULT_USER: string;
export const DEFAULT_DATABASE: string;
export const DEFAULT_REPLICATION_USER: string;
export const DEFAULT_PGDATA: string;
export const BACKUPS_MOUNT: string;
export const PROVIDER_KEYS: Readonly<{
  password: 'POSTGRES_PASSWORD';
  replicationPassword: 'POSTGRES_REPLICATION_PASSWORD';
  primaryOrdinal: 'PG_PRIMARY_ORDINAL';
  exposePublic: 'PG_EXPOSE_PUBLIC';
  linkedConsumers: 'POSTGRES_LINKED_CONSUMERS';
  backupKeep: 'BACKUP_KEEP';
  backupMaxAge: 'BACKUP_MAX_AGE';
}>;
export const CONSUMER_KEYS: Readonly<{ url: 'DATABASE_URL'; readUrl: 'DATABASE_READ_URL' }>;
export function parseRef(ref: unknown, what?: string): { scope: string; name: string };
export function scopedRef(arg: unknown, what: string): { scope: string; name: string; ref: string };
export function volumeName(scope: string, name: string, ordinal: number): string;
export function backupsHostDir(scope: string, name: string, env?: NodeJS.ProcessEnv | Record<string, string | undefined>): string;
