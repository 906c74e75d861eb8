// The retention policy of a cluster's backups: keep the newest N, and/or
// drop those older than a duration. Two axes, each set by a flag
// (--keep, --max-age) or else by the provider's bucket (BACKUP_KEEP,
// BACKUP_MAX_AGE): a flag overrides its own axis only, so `--max-age 2w`
// still keeps the bucket's count. The capture job, the schedule's script
// and backups:prune all apply the same rule: newest first by the time in
// the file name; a backup goes when its rank is ≥ keep or its age is
// strictly more than max-age.
import { PROVIDER_KEYS } from '../ref.js';

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
// Whole amounts only, so the schedule's bash script reads BACKUP_MAX_AGE exactly as this does.
const PART = /^(\d{1,9})([smhdw])/;

/** What the expansion writes into a new cluster's bucket. */
export const DEFAULT_KEEP = '30';

/**
 * A duration: whole amounts of s, m, h, d, w, mixable (`7d`, `2w`, `36h`,
 * `1h30m`, `1w2d`); `0` is no duration. Answers milliseconds; throws a
 * sentence (without the flag: the caller adds it) for anything else.
 */
export function parseDuration(text) {
  const s = String(text ?? '').trim();
  if (!s) throw new Error('is empty; give a duration such as 7d, 2w or 36h');
  if (s.startsWith('-')) throw new Error(`"${s}" is negative; give a duration such as 7d, 2w or 36h`);
  if (s === '0') return 0;
  let rest = s.startsWith('+') ? s.slice(1) : s;
  let ms = 0;
  if (!rest) throw new Error(`"${s}" is not a duration; give one such as 7d, 2w, 36h or 1h30m`);
  while (rest) {
    const m = PART.exec(rest);
    if (!m) throw new Error(`"${s}" is not a duration; give one such as 7d, 2w, 36h or 1h30m (units: s, m, h, d, w)`);
    ms += Number(m[1]) * UNIT_MS[m[2]];
    rest = rest.slice(m[0].length);
  }
  return Math.round(ms);
}

/** The shortest plain spelling of `ms`: `2w`, `1d`, `36h`, `1h30m`, `45s`. */
export function formatDuration(ms) {
  if (!ms) return '0s';
  for (const [unit, size] of [['w', UNIT_MS.w], ['d', UNIT_MS.d]]) if (ms % size === 0) return `${ms / size}${unit}`;
  let rest = ms;
  let out = '';
  for (const [unit, size] of [['h', UNIT_MS.h], ['m', UNIT_MS.m], ['s', UNIT_MS.s]]) {
    const n = Math.floor(rest / size);
    if (n) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out || `${ms}ms`;
}

/**
 * @typedef {object} Policy
 * @property {number} keep      newest backups kept; 0 = no count limit
 * @property {number} maxAgeMs  older than this goes; 0 = no age limit
 */

export const isZero = (policy) => !(policy?.keep > 0) && !(policy?.maxAgeMs > 0);

/** `(none)`, `keep 30`, `max-age 2w`, `keep 10, max-age 1d`. */
export function describePolicy(policy) {
  const parts = [];
  if (policy?.keep > 0) parts.push(`keep ${policy.keep}`);
  if (policy?.maxAgeMs > 0) parts.push(`max-age ${formatDuration(policy.maxAgeMs)}`);
  return parts.length ? parts.join(', ') : '(none)';
}

/** A count from a flag or the bucket: digits only (so `-1` is refused, not read as a flag). */
export function parseKeep(text) {
  const s = String(text ?? '').trim();
  if (!/^\d{1,6}$/.test(s)) throw new Error(`"${s}" is not a count; give a whole number ≥ 0 (0 = no count limit), e.g. 7`);
  return Number(s);
}

/**
 * The bucket's half of the policy: BACKUP_KEEP and BACKUP_MAX_AGE, each
 * axis on its own — a malformed value is ignored (and named in `warnings`)
 * without losing the other axis.
 * @param {Record<string, string>} config
 * @returns {{keep?: number, maxAgeMs?: number, warnings: string[]}}
 */
export function policyFromConfig(config = {}) {
  const out = { warnings: [] };
  const keep = String(config[PROVIDER_KEYS.backupKeep] ?? '').trim();
  if (keep) {
    try {
      out.keep = parseKeep(keep);
    } catch (err) {
      out.warnings.push(`bucket ${PROVIDER_KEYS.backupKeep}: ${err.message}; ignored`);
    }
  }
  const age = String(config[PROVIDER_KEYS.backupMaxAge] ?? '').trim();
  if (age) {
    try {
      out.maxAgeMs = parseDuration(age);
    } catch (err) {
      out.warnings.push(`bucket ${PROVIDER_KEYS.backupMaxAge}: ${err.message}; ignored`);
    }
  }
  return out;
}

/**
 * --keep and --max-age (alias --retention) from parsed flags; a bad value
 * throws naming the flag.
 * @param {Record<string, unknown>} flags
 * @returns {{keep?: number, maxAgeMs?: number}}
 */
export function retentionFlags(flags) {
  const out = {};
  if (flags['--keep'] !== undefined) {
    try {
      out.keep = parseKeep(flags['--keep']);
    } catch (err) {
      throw new Error(`--keep: ${err.message.replace(/e\.g\. 7$/, 'e.g. --keep 7')}`);
    }
  }
  if (flags['--max-age'] !== undefined) {
    try {
      out.maxAgeMs = parseDuration(flags['--max-age']);
    } catch (err) {
      throw new Error(`--max-age: ${err.message}`);
    }
  }
  return out;
}

/** Flags over bucket, per axis. @returns {Policy} */
export function mergePolicy(fromFlags = {}, fromBucket = {}) {
  return {
    keep: fromFlags.keep ?? fromBucket.keep ?? 0,
    maxAgeMs: fromFlags.maxAgeMs ?? fromBucket.maxAgeMs ?? 0,
  };
}

/** Newest first: by time, then by number (two backups in one second). Returns a new array. */
export function newestFirst(backups) {
  return [...backups].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.number - a.number);
}

/**
 * Which backups a policy keeps and which it removes. The input is not mutated.
 * @template {{number: number, createdAt: Date}} T
 * @param {T[]} backups
 * @param {Policy} policy
 * @param {Date} [now]
 * @returns {{kept: T[], removed: T[]}}
 */
export function applyRetention(backups, policy, now = new Date()) {
  const kept = [];
  const removed = [];
  newestFirst(backups).forEach((b, rank) => {
    const tooMany = policy.keep > 0 && rank >= policy.keep;
    const tooOld = policy.maxAgeMs > 0 && now.getTime() - b.createdAt.getTime() > policy.maxAgeMs;
    (tooMany || tooOld ? removed : kept).push(b);
  });
  return { kept, removed };
}
