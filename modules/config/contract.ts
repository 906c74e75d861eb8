/**
 * The `config` service: the imperative env buckets in etcd
 * (`/config/<scope>/_/<KEY>` for a scope, `/config/<scope>/<name>/<KEY>` for
 * an app), the env file they materialise into, and the fan-out that makes
 * running resources pick a change up. Values are secrets: implementations
 * never put one in a log line or an error message (keys are fine).
 */
import type { ResourceRef } from '../../lib/identity.js';

/** KEY → value. */
export type ConfigVars = Record<string, string>;

export interface ConfigService {
  /** One bucket as stored: the scope bucket, or the app bucket when `name` is given. */
  bucket(scope: string, name?: string): Promise<ConfigVars>;
  /** Scope bucket overlaid by the app bucket (app wins). */
  resolve(scope: string, name: string): Promise<ConfigVars>;
  /**
   * Sets keys in one etcd transaction; an empty value deletes its key.
   * Keys must be env names; values must not hold a newline or NUL.
   * Returns the bucket after the change.
   */
  patch(scope: string, name: string | undefined, kv: Record<string, string>): Promise<ConfigVars>;
  /** Deletes keys in one transaction; returns those that were set. */
  unset(scope: string, name: string | undefined, keys: string[]): Promise<string[]>;
  /** Deletes a whole bucket (scope-level only when `name` is absent); returns the number of keys removed. */
  wipe(scope: string, name?: string): Promise<number>;
  /**
   * The env-file content for (scope, name), in precedence order
   * (low → high): manifest `env` < scope bucket < app bucket. Non-string
   * manifest values (numbers, booleans from HCL) are stringified; others dropped.
   */
  envFor(scope: string, name: string, manifestEnv?: Record<string, unknown>): Promise<ConfigVars>;
  /** The `env` a stored workload manifest for (scope, name) declares, `{}` when there is none. */
  manifestEnv(scope: string, name: string): Promise<Record<string, unknown>>;
  /**
   * Replaces `apps/<appId>/shared/.env` atomically with sorted, trimmed
   * `KEY=VALUE` lines (mode 0600). Returns the file's path.
   */
  writeEnvFile(scope: string, name: string, env: Record<string, string>): Promise<string>;
  /**
   * Re-puts every deployment/statefulset/job/cronjob manifest of the scope
   * (only `name` when given) unchanged, so the watch sees a new revision and
   * reconciles with fresh env. Returns the resources touched.
   */
  fanOut(scope: string, name?: string): Promise<ResourceRef[]>;
}

declare module '../../kernel/services.js' {
  interface ServiceMap {
    config: ConfigService;
  }
}
