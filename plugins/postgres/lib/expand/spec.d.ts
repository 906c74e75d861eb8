// Types for spec.js.
export interface PgSpec {
  image: string;
  replicas: number;
  database: string;
  user: string;
  password: string;
  port: number;
  initdb_locale: string;
  initdb_encoding: string;
  pg_config: Record<string, unknown>;
  extensions: string[];
  replication_user: string;
}
export const DEFAULT_IMAGE: string;
export const DEFAULT_LOCALE: string;
export const DEFAULT_ENCODING: string;
export const PLUGIN_OWNED: readonly string[];
export const IDENTIFIER: RegExp;
export const PG_CONFIG_KEY: RegExp;
export function typeName(v: unknown): string;
export function parseSpec(raw: unknown): PgSpec;
export function validateSpec(pg: PgSpec): PgSpec;
export function stripPluginOwned(raw: unknown): Record<string, any>;
