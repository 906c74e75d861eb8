// Numbers read from a spec or a config bucket, forgiving the way the
// controller hands them over (HCL numbers arrive as JSON numbers, bucket
// values as text): a bad value falls back to the safe default, never throws.

/**
 * An integer from a JSON number (3, 3.0) — undefined for 3.5, "3", true, null.
 * @param {unknown} v
 * @returns {number | undefined}
 */
export function asInt(v) {
  return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
}

/** Pods of a data redis: `spec.replicas` when it is a whole number ≥ 1, else 1. */
export function redisReplicas(spec) {
  const n = asInt(spec?.replicas);
  return n !== undefined && n >= 1 ? n : 1;
}

/** The master's ordinal as the bucket records it (REDIS_MASTER_ORDINAL); missing, negative or not a number → 0. */
export function redisMasterOrdinal(config) {
  const raw = config?.REDIS_MASTER_ORDINAL;
  if (typeof raw !== 'string' || !/^\s*\d+\s*$/.test(raw)) return 0;
  return Number(raw.trim());
}
