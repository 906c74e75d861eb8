// pg:backups:prune <scope>/<name> [--keep N] [--max-age D] [--dry-run] --yes:
// applies the retention policy now — flags over the bucket's BACKUP_KEEP /
// BACKUP_MAX_AGE, per axis — to the backup files, and clears the records
// of failed backups (their jobs, a partial file a killed run left). Jobs of
// removed backups are deleted with them. Running backups are left alone.
import { rm } from 'node:fs/promises';
import { assertNoProblems, parseFlags } from '../sdk/flags.js';
import { PROVIDER_KEYS, expectPositionals, scopedRef } from '../ref.js';
import { delete_manifest } from '../backups/actions.js';
import { storedJobNumbers } from '../backups/jobs.js';
import { listBackups } from '../backups/listing.js';
import { jobName } from '../backups/names.js';
import { applyRetention, describePolicy, isZero, mergePolicy, policyFromConfig, retentionFlags } from '../backups/retention.js';
import { formatSize } from '../backups/size.js';

const USAGE = 'voodu pg:backups:prune <scope>/<name> [--keep N] [--max-age D] [--dry-run] --yes';

export const help = `Usage: ${USAGE}

Applies the retention policy now: of the complete backups, newest first,
those ranked past --keep or older than --max-age are deleted (file and
job); failed backups' records go too. Each flag overrides its own axis of
the bucket's policy (BACKUP_KEEP, BACKUP_MAX_AGE).

  --keep N      keep the newest N (0 = no count limit)
  --max-age D   delete those older than D (7d, 2w, 36h); alias --retention
  --dry-run     only say what would be deleted (no --yes needed)
  --yes, -y     required to delete
  -o json       {ref, policy, dry_run, removed: [{id, filename, size_bytes, reason}], kept}

Examples:
  voodu pg:backups:prune prod/db --dry-run
  voodu pg:backups:prune prod/db --keep 7 --yes
`;

export async function run(args, ctx) {
  const p = parseFlags(args, {
    bool: ['--yes', '--dry-run'],
    value: ['--keep', '--max-age', '--output'],
    alias: { '-y': '--yes', '--retention': '--max-age', '-o': '--output' },
    examples: { '--keep': '7', '--max-age': '2w' },
  });
  assertNoProblems(p, USAGE);
  expectPositionals(p.positional, 1, USAGE);
  const output = p.flags['--output'];
  if (output !== undefined && output !== 'json' && output !== 'text') throw new Error(`--output "${output}": use -o json (or -o text, the default)`);
  const fromFlags = retentionFlags(p.flags);
  const { scope, name, ref } = scopedRef(p.positional[0], '<scope>/<name>');
  const env = ctx?.env ?? process.env;

  const config = await ctx.controller.fetchConfig(scope, name);
  const bucket = policyFromConfig(config);
  const policy = mergePolicy(fromFlags, bucket);
  if (isZero(policy)) {
    throw new Error(
      `postgres ${ref}: no retention policy to apply (the bucket has no ${PROVIDER_KEYS.backupKeep} or ${PROVIDER_KEYS.backupMaxAge}${bucket.warnings.length ? ` that reads: ${bucket.warnings.join('; ')}` : ''}); ` +
        `give --keep N and/or --max-age D, or set one with voodu config set -s ${scope} -n ${name} ${PROVIDER_KEYS.backupKeep}=14`,
    );
  }

  const listing = await listBackups(scope, name, env);
  const complete = listing.rows.filter((r) => r.status === 'complete').map((r) => ({ ...r, createdAt: new Date(r.created_at) }));
  const now = new Date();
  const { kept, removed } = applyRetention(complete, policy, now);
  const failed = listing.rows.filter((r) => r.status === 'failed');
  const keptIds = new Set(kept.map((r) => r.number));
  const rank = new Map([...kept, ...removed].sort((a, b) => b.createdAt - a.createdAt || b.number - a.number).map((r, i) => [r.number, i]));
  const gone = [
    ...removed.map((r) => ({ row: r, reason: policy.keep > 0 && rank.get(r.number) >= policy.keep ? `beyond keep ${policy.keep}` : `older than ${describePolicy({ keep: 0, maxAgeMs: policy.maxAgeMs }).replace('max-age ', '')}` })),
    ...failed.map((r) => ({ row: r, reason: `failed${r.error ? `: ${r.error}` : ''}` })),
  ].sort((a, b) => a.row.number - b.row.number);
  const dryRun = p.flags['--dry-run'] === true;
  const summary = gone.map((g) => `  ${g.row.id}  ${g.row.filename ?? '-'}${g.row.status === 'complete' ? `  ${formatSize(g.row.size_bytes)}` : ''}  (${g.reason})`);
  const json = (extra) =>
    JSON.stringify(
      { ref, policy: describePolicy(policy), dry_run: dryRun, removed: gone.map((g) => ({ id: g.row.id, ...(g.row.filename ? { filename: g.row.filename } : {}), size_bytes: g.row.size_bytes, reason: g.reason })), kept: kept.map((r) => r.id), ...extra },
      null,
      2,
    );

  if (!gone.length) {
    const message = `postgres ${ref}: nothing to prune (policy ${describePolicy(policy)}; ${kept.length} backup${kept.length === 1 ? '' : 's'} kept)`;
    return { message: output === 'json' ? json({}) : message, actions: [] };
  }
  if (dryRun) {
    const message = [`postgres ${ref}: prune with policy ${describePolicy(policy)} would delete ${gone.length} and keep ${keptIds.size}:`, ...summary, `To delete them: voodu pg:backups:prune ${ref}${p.flags['--keep'] !== undefined ? ` --keep ${p.flags['--keep']}` : ''}${p.flags['--max-age'] !== undefined ? ` --max-age ${p.flags['--max-age']}` : ''} --yes`].join('\n');
    return { message: output === 'json' ? json({}) : message, actions: [] };
  }
  if (p.flags['--yes'] !== true) {
    throw new Error(
      `--yes: required — prune with policy ${describePolicy(policy)} deletes ${gone.length} backup${gone.length === 1 ? '' : 's'} of ${ref} (${gone.map((g) => g.row.id).join(', ')}); ` +
        `see the list with --dry-run, then: voodu pg:backups:prune ${ref} … --yes`,
    );
  }

  const jobs = new Set([...listing.containers.filter((c) => c.kind === 'job').map((c) => c.number), ...(await storedJobNumbers(ctx, scope, name))]);
  const actions = [];
  const errors = [];
  for (const g of gone) {
    if (g.row.path) await rm(g.row.path, { force: true }).catch((err) => errors.push(`${g.row.id}: ${err.message}`));
    if (jobs.has(g.row.number)) actions.push(delete_manifest('job', scope, jobName(name, g.row.number), `delete_manifest job/${scope}/${jobName(name, g.row.number)}`));
  }
  if (errors.length) throw new Error(`postgres ${ref}: prune could not remove every file (${errors.join('; ')})`);
  const message = [`postgres ${ref}: pruned ${gone.length} backup${gone.length === 1 ? '' : 's'} with policy ${describePolicy(policy)}, kept ${keptIds.size}:`, ...summary].join('\n');
  return { message: output === 'json' ? json({}) : message, actions };
}
