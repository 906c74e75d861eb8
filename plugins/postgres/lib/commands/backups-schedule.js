// pg:backups:schedule <scope>/<name> [--at CRON] [--from-replica N] [--keep N] [--max-age D] [--apply]:
// a cronjob `<name>-backup` whose runs capture a backup exactly as
// backups:capture does — same image (the cluster's own: pg_dump is in it,
// no CLI image needed), same file naming, same retention — by running the
// dump script itself (lib/backups/script.js). The script picks the primary
// at run time from PG_PRIMARY_ORDINAL (checked with pg_is_in_recovery,
// else every pod in turn), so the schedule follows a promote; the password
// and the ordinal reach it from the cluster's env file through env_from.
// Printed as HCL by default; --apply stores it (apply_manifest).
import { assertNoProblems, parseFlags } from '../sdk/flags.js';
import { backupsHostDir, expectPositionals, scopedRef } from '../ref.js';
import { loadCluster, requireOrdinal } from '../resource.js';
import { apply_manifest } from '../backups/actions.js';
import { cronjobName } from '../backups/names.js';
import { formatDuration, retentionFlags } from '../backups/retention.js';
import { cronjobHcl, scheduleCronjob } from '../backups/script.js';

const USAGE = 'voodu pg:backups:schedule <scope>/<name> [--at CRON] [--from-replica N] [--keep N] [--max-age D] [--apply]';
export const DEFAULT_SCHEDULE = '0 3 * * *';

export const help = `Usage: ${USAGE}

Schedules backups: a cronjob <scope>/<name>-backup whose every run captures
one like voodu pg:backups:capture (pg_dump -F c -Z 6 on the cluster's own
image, bNNN-YYYYMMDDTHHMMSSZ.dump in the cluster's backups directory,
retention after). Each run dumps the primary of that moment (it follows a
promote) unless --from-replica pins a pod. Runs never overlap (Forbid).

Prints the cronjob as HCL to put in your voodu files; --apply stores it
now instead. Run it once by hand with voodu run cronjob <scope>/<name>-backup;
remove it with voodu delete cronjob <scope>/<name>-backup.

  --at CRON         when, in UTC (default "${DEFAULT_SCHEDULE}", daily at 03:00)
  --from-replica N  always dump pod N
  --keep N          retention count baked into the schedule; without it each
                    run reads the bucket's BACKUP_KEEP
  --max-age D       retention age (7d, 2w, 36h); without it each run reads
                    BACKUP_MAX_AGE; alias --retention
  --apply           apply the cronjob instead of printing it

Examples:
  voodu pg:backups:schedule prod/db
  voodu pg:backups:schedule prod/db --at "30 2 * * *" --keep 14 --apply
`;

const CRON_FIELD = /^[0-9*,/\-A-Za-z?LW#]+$/;

/** A light check of a cron expression (the controller validates it fully on apply). */
export function cronProblem(expr) {
  const s = String(expr ?? '').trim();
  if (!s) return 'is empty';
  if (s.startsWith('@')) return /^@(yearly|annually|monthly|weekly|daily|midnight|hourly)$/.test(s) ? undefined : `"${s}" is not a known @ schedule (@hourly, @daily, @weekly, @monthly, @yearly)`;
  const fields = s.split(/\s+/);
  if (fields.length < 5 || fields.length > 6) return `"${s}" has ${fields.length} field${fields.length === 1 ? '' : 's'}; give 5 (minute hour day-of-month month day-of-week), e.g. "0 3 * * *"`;
  const bad = fields.find((f) => !CRON_FIELD.test(f));
  return bad ? `"${s}": field "${bad}" is not a cron field` : undefined;
}

export async function run(args, ctx) {
  const p = parseFlags(args, {
    bool: ['--apply'],
    value: ['--at', '--keep', '--max-age'],
    int: ['--from-replica'],
    alias: { '--retention': '--max-age', '--schedule': '--at' },
    examples: { '--at': '"0 3 * * *"', '--keep': '14', '--max-age': '2w', '--from-replica': '1' },
  });
  assertNoProblems(p, USAGE);
  expectPositionals(p.positional, 1, USAGE);
  const { scope, name, ref } = scopedRef(p.positional[0], '<scope>/<name>');
  const schedule = String(p.flags['--at'] ?? DEFAULT_SCHEDULE).trim();
  const problem = cronProblem(schedule);
  if (problem) throw new Error(`--at: ${problem}\nusage: ${USAGE}`);
  const retention = retentionFlags(p.flags);
  const env = ctx?.env ?? process.env;

  const cluster = await loadCluster(ctx, scope, name);
  const ordinal = p.flags['--from-replica'];
  if (ordinal !== undefined) requireOrdinal(cluster, ordinal, '--from-replica');
  const hostDir = backupsHostDir(scope, name, env);
  const manifest = scheduleCronjob(cluster, { schedule, ...(ordinal !== undefined ? { ordinal } : {}), ...retention, hostDir });

  const keepText = retention.keep !== undefined ? `keep ${retention.keep}` : 'keep from BACKUP_KEEP';
  const ageText = retention.maxAgeMs !== undefined ? `max-age ${formatDuration(retention.maxAgeMs)}` : 'max-age from BACKUP_MAX_AGE';
  const source = ordinal !== undefined ? `pod ${ordinal}` : 'the primary at run time (PG_PRIMARY_ORDINAL, checked)';
  const cron = `${scope}/${cronjobName(name)}`;

  if (p.flags['--apply'] === true) {
    return {
      message: [
        `scheduled backups of ${ref}: cronjob ${cron} at "${schedule}" (UTC), pg_dump of ${source} on ${cluster.image}, into ${hostDir}`,
        `  retention after each run: ${keepText}, ${ageText}`,
        `  run one now: voodu run cronjob ${cron}   remove: voodu delete cronjob ${cron}`,
      ].join('\n'),
      actions: [apply_manifest(manifest, `apply_manifest cronjob/${cron}`)],
    };
  }
  const hcl = cronjobHcl(manifest, [
    `Backups of ${ref}: pg_dump -F c -Z 6 of ${source}, at "${schedule}" UTC, into ${hostDir}.`,
    `Retention after each run: ${keepText}, ${ageText}.`,
    `The password and PG_PRIMARY_ORDINAL come from ${name}'s env file (env_from), never from this file.`,
    `Apply it with voodu apply -f <this file>, or run: voodu pg:backups:schedule ${ref}${args.length > 1 ? ' …' : ''} --apply`,
  ]);
  return { message: hcl.replace(/\n$/, ''), actions: [] };
}
