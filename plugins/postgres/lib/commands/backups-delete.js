// pg:backups:delete <scope>/<name> <bNNN> --yes: removes one backup — its
// file on the controller host, and the capture job `<name>.bk.bNNN` that
// made it (delete_manifest; its container goes with it). A running backup
// is refused: cancel it first.
import { rm } from 'node:fs/promises';
import { assertNoProblems, parseFlags } from '../sdk/flags.js';
import { expectPositionals, scopedRef } from '../ref.js';
import { delete_manifest } from '../backups/actions.js';
import { listBackups, resolveBackup } from '../backups/listing.js';
import { jobName } from '../backups/names.js';
import { formatSize } from '../backups/size.js';

const USAGE = 'voodu pg:backups:delete <scope>/<name> <bNNN> --yes';

export const help = `Usage: ${USAGE}

Deletes one backup: its dump file on the controller host and its capture
job <scope>/<name>.bk.bNNN (with the job's container and logs). A failed
backup's record goes the same way. A running one is refused — stop it
with voodu pg:backups:cancel first.

  --yes, -y   required: the file cannot be brought back

Example:
  voodu pg:backups:delete prod/db b003 --yes
`;

export async function run(args, ctx) {
  const p = parseFlags(args, { bool: ['--yes'], alias: { '-y': '--yes' } });
  assertNoProblems(p, USAGE);
  expectPositionals(p.positional, 2, USAGE);
  const { scope, name, ref } = scopedRef(p.positional[0], '<scope>/<name>');
  const env = ctx?.env ?? process.env;
  const { rows } = await listBackups(scope, name, env);
  const backup = resolveBackup(rows, p.positional[1], ref);
  if (backup.status === 'running') throw new Error(`backup ${backup.id} of ${ref} is still running; stop it first with voodu pg:backups:cancel ${ref} ${backup.id}`);
  const what = backup.filename && backup.status === 'complete' ? `${backup.filename} (${formatSize(backup.size_bytes)})` : `the ${backup.status} backup's record`;
  if (p.flags['--yes'] !== true) throw new Error(`--yes: required — this deletes backup ${backup.id} of ${ref}: ${what}. To go ahead: voodu pg:backups:delete ${ref} ${backup.id} --yes`);
  if (backup.path) {
    await rm(backup.path, { force: true }).catch((err) => {
      throw new Error(`backup ${backup.id} of ${ref}: cannot remove ${backup.path}: ${err.message}`);
    });
  }
  const job = jobName(name, backup.number);
  return {
    message: `deleted backup ${backup.id} of ${ref}${backup.path ? ` (${backup.path})` : ''}`,
    actions: [delete_manifest('job', scope, job, `delete_manifest job/${scope}/${job}`)],
  };
}
