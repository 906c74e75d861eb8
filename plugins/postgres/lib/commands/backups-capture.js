// pg:backups:capture <scope>/<name> [--from-replica N] [--follow] [--keep N] [--max-age D]:
// a pg_dump (custom format, -Z 6) of the current primary — or of pod N —
// as a voodu job `<name>.bk.bNNN` on the cluster's own image, so it runs on
// in the controller whether or not the CLI stays. The job's script dumps
// into a partial file, renames it into place when pg_dump succeeded, then
// applies retention (lib/backups/script.js). Its password comes from the
// cluster's env file through env_from, never from the stored manifest.
//
// Detached (the default) the answer is the job's apply_manifest + run_job.
// --follow stores the job and runs it through POST /jobs/run?follow=true
// itself, printing progress every ~3 s (bytes written against the
// database's size) until it ends.
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { inspectContainer } from '../sdk/docker.js';
import { assertNoProblems, parseFlags } from '../sdk/flags.js';
import { progress } from '../progress.js';
import { runSql } from '../psql.js';
import { backupsHostDir, expectPositionals, scopedRef } from '../ref.js';
import { loadCluster, requireOrdinal, requirePassword } from '../resource.js';
import { apply_manifest, run_job } from '../backups/actions.js';
import { followJobRun, staleJobActions, storedJobNumbers } from '../backups/jobs.js';
import { listBackups } from '../backups/listing.js';
import { backupFilename, formatId, jobName, nextNumber, partialFilename } from '../backups/names.js';
import { describePolicy, mergePolicy, policyFromConfig, retentionFlags } from '../backups/retention.js';
import { captureJob } from '../backups/script.js';
import { formatRate, formatSize, progressLine } from '../backups/size.js';

const USAGE = 'voodu pg:backups:capture <scope>/<name> [--from-replica N] [--follow] [--keep N] [--max-age D] [-o json]';
/** How often a followed capture reports. */
export const PROGRESS_EVERY_MS = 3000;

export const help = `Usage: ${USAGE}

Captures a backup: pg_dump -F c -Z 6 of the database, run as the voodu job
<scope>/<name>.bk.bNNN on the cluster's own image, into
<backups root>/<scope>/<name>/bNNN-YYYYMMDDTHHMMSSZ.dump on the controller
host (a failed dump leaves no file). The job keeps running when the CLI
goes away; see it with voodu pg:backups and voodu pg:backups:logs.

  --from-replica N  dump pod N (a standby offloads the primary) instead of
                    the current primary
  --follow, -f      wait for it, printing progress every ~3 s, and report
                    the size and MB/s at the end
  --keep N          retention: keep the newest N backups (0 = no count limit)
  --max-age D       retention: remove backups older than D (7d, 2w, 36h);
                    alias --retention
  -o json           the outcome as JSON

Retention runs when the dump has succeeded, over every backup file of the
cluster. Each flag overrides its own axis of the bucket's policy
(BACKUP_KEEP, default 30; BACKUP_MAX_AGE): --max-age 2w keeps the bucket's
count. Set the bucket's with voodu config set -s <scope> -n <name> BACKUP_KEEP=14.

Examples:
  voodu pg:backups:capture prod/db
  voodu pg:backups:capture prod/db --follow
  voodu pg:backups:capture prod/db --from-replica 1 --keep 7 --max-age 2w
`;

export async function run(args, ctx) {
  const p = parseFlags(args, {
    bool: ['--follow'],
    value: ['--keep', '--max-age', '--output'],
    int: ['--from-replica'],
    alias: { '-f': '--follow', '--retention': '--max-age', '-o': '--output' },
    examples: { '--keep': '7', '--max-age': '2w', '--from-replica': '1' },
  });
  assertNoProblems(p, USAGE);
  expectPositionals(p.positional, 1, USAGE);
  const output = p.flags['--output'];
  if (output !== undefined && output !== 'json' && output !== 'text') throw new Error(`--output "${output}": use -o json (or -o text, the default)`);
  const fromFlags = retentionFlags(p.flags);
  const { scope, name, ref } = scopedRef(p.positional[0], '<scope>/<name>');
  const env = ctx?.env ?? process.env;

  const cluster = await loadCluster(ctx, scope, name);
  requirePassword(cluster);
  const fromReplica = p.flags['--from-replica'];
  if (fromReplica !== undefined) requireOrdinal(cluster, fromReplica, '--from-replica');
  const ordinal = fromReplica ?? cluster.primaryOrdinal;
  const role = ordinal === cluster.primaryOrdinal ? 'the primary' : 'a standby';
  const container = cluster.container(ordinal);
  const st = await inspectContainer(container);
  if (!st?.running) {
    throw new Error(
      `postgres ${ref}: pod ${ordinal} (${container}, ${role}) is ${st ? st.status : 'missing'}, so there is nothing to dump from; ` +
        `${st ? 'start it (voodu restart) or' : 'apply the postgres block or'} pick another pod with --from-replica N`,
    );
  }
  const bucket = policyFromConfig(cluster.config);
  const policy = mergePolicy(fromFlags, bucket);

  const hostDir = backupsHostDir(scope, name, env);
  await mkdir(hostDir, { recursive: true }).catch((err) => {
    throw new Error(`backups directory ${hostDir}: ${err.message}; create it on the controller host (or set VOODU_POSTGRES_BACKUP_ROOT)`);
  });
  const listing = await listBackups(scope, name, env);
  const number = nextNumber([
    ...listing.files.map((f) => f.number),
    ...listing.partials.map((f) => f.number),
    ...listing.containers.map((c) => c.number),
    ...(await storedJobNumbers(ctx, scope, name)),
  ]);
  const id = formatId(number);
  const filename = backupFilename(number, new Date());
  const manifest = captureJob(cluster, { filename, ordinal, policy, hostDir });
  const job = jobName(name, number);
  const cleanup = staleJobActions(scope, listing);
  const notes = bucket.warnings.map((w) => `  warning: ${w}`);

  if (p.flags['--follow'] !== true) {
    const actions = [
      ...cleanup,
      apply_manifest(manifest, `job manifest applied: ${scope}/${job}`),
      run_job(scope, job, `backup ${id} dispatched`),
    ];
    if (output === 'json') {
      return { message: JSON.stringify({ ref, id, status: 'dispatched', filename, job: `${scope}/${job}`, source_ordinal: ordinal, retention: describePolicy(policy) }, null, 2), actions };
    }
    return {
      message: [
        `backup ${id} of ${ref} dispatched: job ${scope}/${job} runs pg_dump -F c from pod ${ordinal} (${role}) into ${join(hostDir, filename)}`,
        `  retention when it completes: ${describePolicy(policy)}`,
        ...notes,
        `  follow it: voodu pg:backups:logs ${ref} ${id} --follow   list: voodu pg:backups ${ref}`,
      ].join('\n'),
      actions,
    };
  }

  // --follow: store the job, run it here and watch the file grow.
  const estimate = await runSql(cluster, ordinal, 'SELECT pg_database_size(current_database());', { what: `postgres ${ref}: size of ${cluster.db}` })
    .then((s) => Number(s) || undefined)
    .catch(() => undefined);
  await ctx.controller.post('/apply', [manifest]);
  const partialPath = join(hostDir, partialFilename(filename));
  const finalPath = join(hostDir, filename);
  const sizeNow = async () => (await stat(partialPath).catch(() => undefined))?.size ?? (await stat(finalPath).catch(() => undefined))?.size ?? 0;
  const started = Date.now();
  progress(`backup ${id} of ${ref}: job ${scope}/${job}, pg_dump from pod ${ordinal} (${role})${estimate ? `, database ${formatSize(estimate)}` : ''}`);
  const timer = setInterval(() => {
    sizeNow().then((bytes) => progress(progressLine({ id, bytes, seconds: (Date.now() - started) / 1000, estimate })), () => undefined);
  }, PROGRESS_EVERY_MS);
  let outcome;
  try {
    outcome = await followJobRun(ctx.controllerUrl, scope, job, { onLog: (line) => line.trim() && progress(line) });
  } finally {
    clearInterval(timer);
  }
  const { run: jobRun, logs } = outcome;
  if (jobRun.status !== 'succeeded') {
    const tail = logs.filter((l) => l.trim()).slice(-5).join(' | ');
    throw new Error(
      `backup ${id} of ${ref} failed: ${jobRun.error ?? `exit ${jobRun.exit_code ?? '?'}`}${tail ? ` — ${tail}` : ''}; no file was kept. ` +
        `See voodu pg:backups:logs ${ref} ${id}; remove the record with voodu pg:backups:delete ${ref} ${id} --yes`,
    );
  }
  const size = (await stat(finalPath).catch(() => undefined))?.size;
  if (size === undefined) throw new Error(`backup ${id} of ${ref}: the job succeeded but ${finalPath} is not there; check that the pods mount ${hostDir} at /backups (voodu pg:backups:logs ${ref} ${id})`);
  const seconds = Math.max(0.001, ((Date.parse(jobRun.ended_at ?? '') || Date.now()) - (Date.parse(jobRun.started_at ?? '') || started)) / 1000);
  const removed = logs.map((l) => /retention: removed (\S+)/.exec(l)?.[1]).filter(Boolean);
  if (output === 'json') {
    return {
      message: JSON.stringify({ ref, id, status: 'complete', filename, job: `${scope}/${job}`, source_ordinal: ordinal, size_bytes: size, seconds: Number(seconds.toFixed(3)), database_bytes: estimate ?? null, retention: describePolicy(policy), removed }, null, 2),
      actions: cleanup,
    };
  }
  return {
    message: [
      `backup ${id} of ${ref} complete: ${filename}, ${formatSize(size)} in ${seconds.toFixed(1)} s (${formatRate(size, seconds)} written` +
        `${estimate ? `; database ${formatSize(estimate)} at ${formatRate(estimate, seconds)}` : ''}), pg_dump from pod ${ordinal} (${role})`,
      `  retention ${describePolicy(policy)}: ${removed.length ? `removed ${removed.join(', ')}` : 'nothing to remove'}`,
      ...notes,
    ].join('\n'),
    actions: cleanup,
  };
}
