// pg:backups:restore <scope>/<name> <bNNN|http(s)-url> --yes: pg_restore
// into the current primary, as the configured user into the configured
// database: --clean --if-exists (what the dump holds replaces what is
// there), --no-owner --no-privileges (roles need not exist), and
// --single-transaction (a failure changes nothing).
//
// A bNNN is read where the pod mounts the backups directory (/backups);
// when that mount does not show it, the host file is copied in. A URL is
// downloaded on the controller host first (streamed to a private temp
// file), copied into the pod with docker cp, and both copies are removed after.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { docker, inspectContainer } from '../sdk/docker.js';
import { assertNoProblems, parseFlags } from '../sdk/flags.js';
import { progress } from '../progress.js';
import { BACKUPS_MOUNT, backupsHostDir, expectPositionals, scopedRef } from '../ref.js';
import { loadCluster, requirePassword } from '../resource.js';
import { downloadToFile, isHttpUrl, safeUrl, tempDir } from '../backups/download.js';
import { listBackups, resolveBackup } from '../backups/listing.js';
import { formatRate, formatSize } from '../backups/size.js';

const USAGE = 'voodu pg:backups:restore <scope>/<name> <bNNN|https://…> --yes';

export const help = `Usage: ${USAGE}

Restores a backup into the current primary with pg_restore --clean
--if-exists --no-owner --no-privileges --single-transaction, as the
cluster's user into its database: every object the dump holds is dropped
and recreated from it, in one transaction (a failure changes nothing).
Standbys follow through replication.

  <bNNN>       a backup of this cluster (see voodu pg:backups <scope>/<name>)
  <url>        an http(s) URL of a pg_dump -F c file; it is downloaded on the
               controller host first
  --yes, -y    required: the current contents of those objects are lost

Examples:
  voodu pg:backups:restore prod/db b007 --yes
  voodu pg:backups:restore prod/db https://backups.example.com/db.dump --yes
`;

const lastLines = (s, n = 3) => String(s ?? '').trim().split('\n').filter(Boolean).slice(-n).join(' | ');

export async function run(args, ctx) {
  const p = parseFlags(args, { bool: ['--yes'], alias: { '-y': '--yes' } });
  assertNoProblems(p, USAGE);
  expectPositionals(p.positional, 2, USAGE);
  const { scope, name, ref } = scopedRef(p.positional[0], '<scope>/<name>');
  const source = p.positional[1];
  const fromUrl = isHttpUrl(source);
  if (!fromUrl && /^[a-z][a-z0-9+.-]*:\/\//i.test(source)) throw new Error(`<bNNN|url> "${safeUrl(source)}": only http:// and https:// URLs can be restored from`);
  const env = ctx?.env ?? process.env;

  // Resolve the backup before asking for --yes, so the refusal names what would be restored.
  let backup;
  if (!fromUrl) {
    const { rows } = await listBackups(scope, name, env);
    backup = resolveBackup(rows, source, ref);
    if (backup.status !== 'complete') throw new Error(`backup ${backup.id} of ${ref} is ${backup.status}${backup.error ? ` (${backup.error})` : ''}; only a complete backup can be restored (see voodu pg:backups ${ref})`);
  }
  const what = fromUrl ? safeUrl(source) : `${backup.id} (${backup.filename}, ${formatSize(backup.size_bytes)})`;
  const cluster = await loadCluster(ctx, scope, name);
  const primary = cluster.primaryOrdinal;
  const container = cluster.container(primary);
  if (p.flags['--yes'] !== true) {
    throw new Error(
      `--yes: required — restore drops and recreates every object in ${what} in database ${cluster.db} of ${ref} (primary: pod ${primary}, ${container}); what they hold now is lost. ` +
        `To go ahead: voodu pg:backups:restore ${ref} ${fromUrl ? '<url>' : backup.id} --yes`,
    );
  }
  const password = requirePassword(cluster);
  const st = await inspectContainer(container);
  if (!st?.running) throw new Error(`postgres ${ref}: the primary, pod ${primary} (${container}), is ${st ? st.status : 'missing'}; start it (voodu restart ${ref}) and try again`);

  const started = Date.now();
  const tmp = fromUrl ? await tempDir() : undefined;
  let inPod;
  let copied = false;
  let bytes;
  try {
    if (fromUrl) {
      progress(`downloading ${safeUrl(source)} on the controller host`);
      const local = join(tmp.dir, 'restore.dump');
      bytes = await downloadToFile(source, local);
      progress(`downloaded ${formatSize(bytes)} in ${((Date.now() - started) / 1000).toFixed(1)} s; copying into ${container}`);
      inPod = `/tmp/vdrestore-${process.hrtime.bigint()}.dump`;
      await dockerCp(local, container, inPod);
      copied = true;
    } else {
      bytes = backup.size_bytes;
      inPod = `${BACKUPS_MOUNT}/${backup.filename}`;
      const seen = await docker(['exec', container, 'test', '-r', inPod]);
      if (seen.code !== 0) {
        // The pod does not mount this directory (or cannot read the file): hand it a copy.
        const host = backup.path ?? join(backupsHostDir(scope, name, env), backup.filename);
        await stat(host);
        inPod = `/tmp/vdrestore-${process.hrtime.bigint()}.dump`;
        progress(`${container} does not see ${BACKUPS_MOUNT}/${backup.filename}; copying it in`);
        await dockerCp(host, container, inPod);
        copied = true;
      }
    }
    const toc = await docker(['exec', container, 'pg_restore', '--list', inPod], { timeoutMs: 120_000 });
    if (toc.code !== 0) throw new Error(`${what} is not a pg_dump custom-format archive pg_restore can read: ${lastLines(toc.stderr) || `exit ${toc.code}`}`);
    const entries = toc.stdout.split('\n').filter((l) => l.trim() && !l.startsWith(';')).length;
    progress(`pg_restore of ${entries} archive entries into ${cluster.db} on pod ${primary} (${container})`);
    const restoreStarted = Date.now();
    // The password rides in the docker process's env; `-e PGPASSWORD` passes it on by name only.
    const r = await docker(
      ['exec', '-e', 'PGPASSWORD', container, 'pg_restore', '-U', cluster.user, '-d', cluster.db, '-p', String(cluster.port), '--clean', '--if-exists', '--no-owner', '--no-privileges', '--single-transaction', '--exit-on-error', inPod],
      { env: { PGPASSWORD: password }, timeoutMs: 3_500_000 },
    );
    if (r.code !== 0) throw new Error(`pg_restore into ${ref} failed (exit ${r.code}), nothing was changed (one transaction): ${lastLines(r.stderr) || lastLines(r.stdout) || 'no output'}`);
    const seconds = (Date.now() - restoreStarted) / 1000;
    const total = (Date.now() - started) / 1000;
    return {
      message:
        `restored ${what} into ${ref} (database ${cluster.db}, primary pod ${primary}): ${entries} archive entries, ` +
        `pg_restore ${seconds.toFixed(1)} s (${formatRate(bytes, seconds)} of dump), ${total.toFixed(1)} s in all`,
      actions: [],
    };
  } finally {
    if (copied) await docker(['exec', '-u', '0', container, 'rm', '-f', inPod]).catch(() => undefined);
    if (tmp) await tmp.cleanup().catch(() => undefined);
  }
}

async function dockerCp(from, container, to) {
  const r = await docker(['cp', from, `${container}:${to}`], { timeoutMs: 3_500_000 });
  if (r.code !== 0) throw new Error(`docker cp into ${container}: ${lastLines(r.stderr) || `exit ${r.code}`}`);
  // docker cp leaves root the owner; the pod's postgres user reads it, whoever that is.
  await docker(['exec', '-u', '0', container, 'chmod', '0644', to]);
}
