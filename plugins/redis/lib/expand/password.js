// The resource's password lives in its config bucket (REDIS_PASSWORD): made
// once, on the first apply, and reused by every later one, so redis.conf —
// and the asset digest — stay the same from apply to apply.
import { randomBytes } from 'node:crypto';

/** 32 random bytes as 64 lowercase hex characters: no character any URL or shell needs escaped. */
export const generatePassword = () => randomBytes(32).toString('hex');

/**
 * @param {Record<string, string> | undefined} config the bucket as the controller handed it to expand
 * @returns {{password: string, isNew: boolean}}
 */
export function resolvePassword(config) {
  const existing = config?.REDIS_PASSWORD;
  if (typeof existing === 'string' && existing !== '') return { password: existing, isNew: false };
  return { password: generatePassword(), isNew: true };
}
