// How one backup is named everywhere: its id (`b007`), its file
// (`b007-20240131T030000Z.dump`), the partial file pg_dump writes first
// (`.b007-….dump.partial`, renamed into place only when the dump is whole),
// the job that captures it (`<name>.bk.b007`) and the cronjob that
// schedules captures (`<name>-backup`). The capture job, the schedule's
// script, the listing, restore, delete, prune and cancel all spell these
// through here, so `backups:delete` removes the job capture really made.

/** Label on every backup job and scheduled run: the cluster it backs up, `<scope>/<name>`. */
export const BACKUP_LABEL = 'voodu.postgres.backup';
/** Label on a capture job's container: its id, e.g. `b007`. */
export const BACKUP_ID_LABEL = 'voodu.postgres.backup_id';

const FILE = /^b(\d{1,9})-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z\.dump$/;
const PARTIAL = /^\.(b\d{1,9}-\d{8}T\d{6}Z\.dump)\.partial$/;
const ID = /^b(\d{1,9})$/i;

/** `b001` … `b999`, then `b1000` unpadded. */
export function formatId(n) {
  if (!Number.isInteger(n) || n < 1) throw new Error(`backup number ${n}: must be a whole number ≥ 1`);
  return `b${String(n).padStart(3, '0')}`;
}

/** `b7`, `b007`, `B0007` → 7; anything else undefined. */
export function parseId(text) {
  const m = ID.exec(String(text ?? '').trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  return n >= 1 ? n : undefined;
}

/** `YYYYMMDDTHHMMSSZ` of `date` in UTC. */
export function stamp(date) {
  const d = date instanceof Date ? date : new Date(date);
  if (Number.isNaN(d.getTime())) throw new Error(`backup time ${String(date)}: not a date`);
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

/** `bNNN-YYYYMMDDTHHMMSSZ.dump`, the time in UTC to the second. */
export function backupFilename(n, date) {
  return `${formatId(n)}-${stamp(date)}.dump`;
}

/**
 * `bNNN-YYYYMMDDTHHMMSSZ.dump` → `{number, id, createdAt}`; undefined for any
 * other name, a real-looking one with an impossible date included.
 * @returns {{number: number, id: string, createdAt: Date, filename: string} | undefined}
 */
export function parseFilename(name) {
  const m = FILE.exec(String(name ?? ''));
  if (!m) return undefined;
  const number = Number(m[1]);
  if (number < 1) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(2).map(Number);
  const createdAt = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  // Date.UTC rolls 2024-02-31 over to March: a name that does not round-trip is not ours.
  if (stamp(createdAt) !== name.slice(name.indexOf('-') + 1, -'.dump'.length)) return undefined;
  return { number, id: formatId(number), createdAt, filename: name };
}

/** The file pg_dump writes into before the rename: `.<filename>.partial`. */
export const partialFilename = (filename) => `.${filename}.partial`;

/** `.bNNN-….dump.partial` → what parseFilename says of the final name; else undefined. */
export function parsePartialFilename(name) {
  const m = PARTIAL.exec(String(name ?? ''));
  return m ? parseFilename(m[1]) : undefined;
}

/** The next number after every one in `numbers` (gaps are never filled: an id is never reused). */
export function nextNumber(numbers) {
  let max = 0;
  for (const n of numbers) if (Number.isInteger(n) && n > max) max = n;
  return max + 1;
}

/** The job of one capture: `<name>.bk.bNNN`. */
export const jobName = (name, n) => `${name}.bk.${formatId(n)}`;

/** `<name>.bk.bNNN` → NNN for this cluster's `name`; undefined for another's or anything else. */
export function parseJobName(name, job) {
  const prefix = `${name}.bk.`;
  const s = String(job ?? '');
  if (!s.startsWith(prefix)) return undefined;
  const rest = s.slice(prefix.length);
  return /^b\d{1,9}$/.test(rest) ? parseId(rest) : undefined;
}

/** The cronjob `backups:schedule` makes: `<name>-backup`. */
export const cronjobName = (name) => `${name}-backup`;
