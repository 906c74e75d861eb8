// pg:backups [<scope>|<scope>/<name>] [-o json]: every backup with its
// status (complete / running / failed) and size — the dump files in the
// host's backups directory merged with the capture jobs and scheduled runs
// that make them (lib/backups/listing.js). Needs no controller: files and
// containers are both on this host.
import { assertNoProblems, parseFlags } from '../sdk/flags.js';
import { discoverClusters, listBackups } from '../backups/listing.js';
import { formatSize } from '../backups/size.js';
import { RefError, formatRef, parseRef } from '../ref.js';

const USAGE = 'voodu pg:backups [<scope>|<scope>/<name>] [-o json]';

export const help = `Usage: ${USAGE}

Lists backups with their status and size: complete (a dump file), running
(a capture job or scheduled run still dumping; the size is what it has
written so far) or failed (its container exited non-zero, or a partial
file was left by a run that was killed).

  <scope>/<name>   one cluster; <scope> alone: every cluster of the scope;
                   nothing: every cluster with a backups directory
  -o json          {ref, backups: [{id, status, filename, created_at, size_bytes}]}
                   for one cluster, {"<scope>/<name>": [...]} for several

Examples:
  voodu pg:backups prod/db
  voodu pg:backups prod -o json
`;

/** The row as -o json shows it (no host paths beyond the file name). */
export function jsonRow(r) {
  return {
    id: r.id,
    status: r.status,
    ...(r.filename ? { filename: r.filename } : {}),
    ...(r.created_at ? { created_at: r.created_at } : {}),
    size_bytes: r.size_bytes,
    ...(r.job ? { job: r.job } : {}),
    ...(r.error ? { error: r.error } : {}),
  };
}

/** The text table of one cluster. */
export function renderTable(ref, rows) {
  const lines = [`=== Backups for ${ref}`];
  if (!rows.length) {
    lines.push('(no backups yet)', `  capture one: voodu pg:backups:capture ${ref}   (or schedule them: voodu pg:backups:schedule ${ref})`);
    return lines.join('\n');
  }
  const table = [['ID', 'Status', 'Created at', 'Size'], ...rows.map((r) => [r.id, r.status + (r.error ? ` (${r.error})` : ''), r.created_at ? r.created_at.replace('T', ' ').replace(/\.\d{3}Z$/, 'Z') : '-', formatSize(r.size_bytes)])];
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  for (const row of table) lines.push(row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join('   ').trimEnd());
  return lines.join('\n');
}

export async function run(args, ctx) {
  const p = parseFlags(args, { value: ['--output'], alias: { '-o': '--output' } });
  assertNoProblems(p, USAGE);
  if (p.positional.length > 1) throw new Error(`unexpected argument "${p.positional[1]}"\nusage: ${USAGE}`);
  const output = p.flags['--output'];
  if (output !== undefined && output !== 'json' && output !== 'text') throw new Error(`--output "${output}": use -o json (or -o text, the default)`);
  const env = ctx?.env ?? process.env;

  let clusters;
  let single = false;
  const arg = p.positional[0];
  if (arg !== undefined && arg.includes('/')) {
    const { scope, name } = parseRef(arg, '<scope>/<name>');
    if (!scope) throw new RefError(`<scope>/<name> "${arg}": give it as <scope>/<name>, e.g. prod/db`);
    clusters = [{ scope, name }];
    single = true;
  } else {
    clusters = await discoverClusters(arg === undefined ? undefined : arg.trim(), env);
  }

  const listed = [];
  for (const c of clusters) listed.push({ ref: formatRef(c.scope, c.name), rows: (await listBackups(c.scope, c.name, env)).rows });

  if (output === 'json') {
    const message = single
      ? JSON.stringify({ ref: listed[0].ref, backups: listed[0].rows.map(jsonRow) }, null, 2)
      : JSON.stringify(Object.fromEntries(listed.map((l) => [l.ref, l.rows.map(jsonRow)])), null, 2);
    return { message, actions: [] };
  }
  if (!listed.length) {
    const where = arg === undefined ? 'any cluster' : `scope ${arg}`;
    return { message: `no backups for ${where} yet; capture one with voodu pg:backups:capture <scope>/<name>`, actions: [] };
  }
  return { message: listed.map((l) => renderTable(l.ref, l.rows)).join('\n\n'), actions: [] };
}
