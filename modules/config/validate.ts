/**
 * Input rules for config keys and values. Messages name the key and the
 * rule, never the value: a value is a secret even when it is wrong.
 */
import { ValidationError } from '../../lib/errors.js';
import { assertSegment } from '../../lib/identity.js';

/** POSIX-ish env names: what a shell, docker and every runtime agree on. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** etcd's default --max-txn-ops: a patch is one transaction, so it cannot hold more. */
export const MAX_KEYS_PER_CHANGE = 128;

export function assertKey(key: unknown, field: string): asserts key is string {
  if (typeof key !== 'string' || !ENV_NAME.test(key)) {
    throw new ValidationError(
      `${field}: ${JSON.stringify(key)} is not a valid variable name; use letters, digits and '_', not starting with a digit (e.g. DATABASE_URL)`,
      { field },
    );
  }
}

/** Env files are line-based: a newline or NUL would split or truncate the line. */
export function assertValue(key: string, value: unknown, field: string): asserts value is string {
  if (typeof value !== 'string') {
    throw new ValidationError(`${field}: the value of ${key} must be a string (got ${value === null ? 'null' : typeof value})`, { field });
  }
  if (/[\r\n\0]/.test(value)) {
    throw new ValidationError(
      `${field}: the value of ${key} contains a newline or NUL; env files hold one KEY=VALUE per line, so encode it (e.g. base64) first`,
      { field },
    );
  }
}

/** scope is required; name is optional (absent or empty means the scope-level bucket). */
export function assertBucket(scope: unknown, name: unknown, prefix = ''): asserts scope is string {
  assertSegment(scope, `${prefix}scope`);
  if (name !== undefined && name !== '') assertSegment(name, `${prefix}name`);
}

export function assertKeyCount(count: number, field: string): void {
  if (count > MAX_KEYS_PER_CHANGE) {
    throw new ValidationError(`${field}: ${count} keys in one change; at most ${MAX_KEYS_PER_CHANGE} are accepted, split it`, { field });
  }
}

/** An app bucket / env file needs both segments. */
export function assertApp(scope: unknown, name: unknown, prefix = ''): asserts name is string {
  assertSegment(scope, `${prefix}scope`);
  assertSegment(name, `${prefix}name`);
}
