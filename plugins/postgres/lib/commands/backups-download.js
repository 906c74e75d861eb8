// pg:backups:download <scope>/<name> <bNNN> [--to PATH]: the CLI copies
// one backup file from the controller host to where it runs (a fetch_file
// action: the CLI reads GET /plugin/postgres/file?path=…, or over SSH the
// remote file). The controller serves only files under $VOODU_ROOT or the
// plugin's directory, which the default backups root /opt/voodu/backups is.
import { stat } from 'node:fs/promises';
import { assertNoProblems, parseFlags } from '../sdk/flags.js';
import { expectPositionals, scopedRef } from '../ref.js';
import { fetch_file } from '../backups/actions.js';
import { listBackups, resolveBackup } from '../backups/listing.js';
import { formatSize } from '../backups/size.js';

const USAGE = 'voodu pg:backups:download <scope>/<name> <bNNN> [--to PATH]';

export const help = `Usage: ${USAGE}

Copies one backup file from the controller host to where the CLI runs.

  --to PATH   the file to write (default: the backup's own file name in the
              current directory); an existing file is never overwritten

Examples:
  voodu pg:backups:download prod/db b007
  voodu pg:backups:download prod/db b007 --to ~/dumps/db.dump
`;

export async function run(args, ctx) {
  const p = parseFlags(args, { value: ['--to'], examples: { '--to': './db.dump' } });
  assertNoProblems(p, USAGE);
  expectPositionals(p.positional, 2, USAGE);
  const { scope, name, ref } = scopedRef(p.positional[0], '<scope>/<name>');
  const env = ctx?.env ?? process.env;
  const { rows } = await listBackups(scope, name, env);
  const backup = resolveBackup(rows, p.positional[1], ref);
  if (backup.status !== 'complete') throw new Error(`backup ${backup.id} of ${ref} is ${backup.status}${backup.error ? ` (${backup.error})` : ''}; only a complete backup can be downloaded (see voodu pg:backups ${ref})`);
  const st = await stat(backup.path).catch(() => undefined);
  if (!st?.isFile()) throw new Error(`backup ${backup.id} of ${ref}: ${backup.path} is gone from the controller host (removed meanwhile?); see voodu pg:backups ${ref}`);
  const dest = p.flags['--to'] ?? backup.filename;
  return {
    message: `downloading ${backup.id} of ${ref} (${backup.filename}, ${formatSize(st.size)}) to ${dest}`,
    actions: [fetch_file(backup.path, dest, st.size, `fetch_file ${backup.id} → ${dest}`)],
  };
}
