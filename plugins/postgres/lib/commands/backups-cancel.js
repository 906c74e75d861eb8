// pg:backups:cancel <scope>/<name> [bNNN]: stops running backups — every
// one, or the one named. The dump's container is killed here at once (so
// pg_dump cannot finish and rename its file after the cancel), the partial
// file removed, and a capture job `<name>.bk.bNNN` deleted (delete_manifest,
// which also removes its container). A scheduled run is killed the same
// way; its cronjob stays scheduled.
import { rm } from 'node:fs/promises';
import { docker } from '../sdk/docker.js';
import { assertNoProblems, parseFlags } from '../sdk/flags.js';
import { expectPositionals, scopedRef } from '../ref.js';
import { delete_manifest } from '../backups/actions.js';
import { listBackups, resolveBackup } from '../backups/listing.js';
import { jobName } from '../backups/names.js';

const USAGE = 'voodu pg:backups:cancel <scope>/<name> [bNNN]';

export const help = `Usage: ${USAGE}

Cancels running backups of a cluster — all of them, or only bNNN: kills
the pg_dump container, removes its partial file and deletes the capture
job <scope>/<name>.bk.bNNN. A scheduled run is stopped too; its cronjob
keeps its schedule (remove that with voodu delete cronjob <scope>/<name>-backup).

Examples:
  voodu pg:backups:cancel prod/db
  voodu pg:backups:cancel prod/db b012
`;

export async function run(args, ctx) {
  const p = parseFlags(args, {});
  assertNoProblems(p, USAGE);
  expectPositionals(p.positional, 1, USAGE, 2);
  const { scope, name, ref } = scopedRef(p.positional[0], '<scope>/<name>');
  const env = ctx?.env ?? process.env;
  const listing = await listBackups(scope, name, env);
  let targets = listing.rows.filter((r) => r.status === 'running');
  if (p.positional[1] !== undefined) {
    const one = resolveBackup(listing.rows, p.positional[1], ref);
    if (one.status !== 'running') throw new Error(`backup ${one.id} of ${ref} is ${one.status}, not running; nothing to cancel${one.status === 'failed' ? ` (remove its record with voodu pg:backups:delete ${ref} ${one.id} --yes)` : ''}`);
    targets = [one];
  }
  if (!targets.length) return { message: `postgres ${ref}: no backup is running; nothing to cancel`, actions: [] };

  const lines = [];
  const actions = [];
  for (const t of targets) {
    const killed = [];
    // Every live container working on it; a partial file with no known container: every live backup container of the cluster.
    const own = listing.containers.filter((c) => c.active && (c.number === t.number || (t.container === undefined && c.number === undefined)));
    for (const c of own) {
      const r = await docker(['kill', c.name]);
      if (r.code === 0 || /is not running|No such container/i.test(r.stderr)) killed.push(c.name);
      else throw new Error(`backup ${t.id} of ${ref}: docker kill ${c.name}: ${r.stderr.trim() || `exit ${r.code}`}`);
    }
    if (t.path?.endsWith('.partial')) await rm(t.path, { force: true });
    const isJob = t.job !== undefined || own.some((c) => c.kind === 'job');
    if (isJob) actions.push(delete_manifest('job', scope, jobName(name, t.number), `delete_manifest job/${scope}/${jobName(name, t.number)}`));
    lines.push(`  ${t.id}: ${killed.length ? `killed ${killed.join(', ')}` : 'no live container found'}${t.path?.endsWith('.partial') ? ', partial file removed' : ''}${isJob ? '' : ' (a scheduled run; the cronjob stays)'}`);
  }
  return { message: [`postgres ${ref}: cancelled ${targets.length} backup${targets.length === 1 ? '' : 's'}`, ...lines].join('\n'), actions };
}
