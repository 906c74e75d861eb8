// pg:backups:logs <scope>/<name> <bNNN> [--follow]: the output of the
// container that made one backup — its capture job's run, or the
// scheduled run whose script announced that id. --follow streams the
// lines (as progress, which the CLI shows as they come) until it ends.
import { spawn } from 'node:child_process';
import { docker, dockerBin } from '../sdk/docker.js';
import { assertNoProblems, parseFlags } from '../sdk/flags.js';
import { progress } from '../progress.js';
import { expectPositionals, scopedRef } from '../ref.js';
import { listBackups, resolveBackup } from '../backups/listing.js';

const USAGE = 'voodu pg:backups:logs <scope>/<name> <bNNN> [--follow]';

export const help = `Usage: ${USAGE}

Prints the output of the job that captured backup bNNN (or of the
scheduled run that did): which pod it dumped, pg_dump's errors, the size,
what retention removed.

  --follow, -f   keep streaming until the backup ends

Examples:
  voodu pg:backups:logs prod/db b007
  voodu pg:backups:logs prod/db b008 --follow
`;

export async function run(args, ctx) {
  const p = parseFlags(args, { bool: ['--follow'], alias: { '-f': '--follow' } });
  assertNoProblems(p, USAGE);
  expectPositionals(p.positional, 2, USAGE);
  const { scope, name, ref } = scopedRef(p.positional[0], '<scope>/<name>');
  const env = ctx?.env ?? process.env;
  const listing = await listBackups(scope, name, env);
  const backup = resolveBackup(listing.rows, p.positional[1], ref);
  const container = backup.container ?? [...listing.containers].reverse().find((c) => c.number === backup.number)?.name;
  if (!container) {
    throw new Error(
      `backup ${backup.id} of ${ref}: its container is gone (a job's goes when its file is pruned or deleted, a scheduled run's after the cronjob's history limit), so there are no logs to show; the backup itself is ${backup.status}`,
    );
  }
  if (p.flags['--follow'] !== true) {
    const r = await docker(['logs', '--timestamps', container]);
    if (r.code !== 0) throw new Error(`docker logs ${container}: ${r.stderr.trim() || `exit ${r.code}`}`);
    const text = mergeStreams(r.stdout, r.stderr);
    return { message: `=== ${backup.id} of ${ref} (${backup.status}, container ${container})\n${text || '(no output)'}`, actions: [] };
  }
  const code = await followLogs(container);
  const after = (await listBackups(scope, name, env)).rows.find((r) => r.number === backup.number);
  return { message: `${backup.id} of ${ref}: ${after?.status ?? 'gone'}${code !== 0 ? ` (docker logs exited ${code})` : ''}`, actions: [] };
}

/** stdout and stderr lines, by their --timestamps prefix (which is then dropped). */
export function mergeStreams(stdout, stderr) {
  const lines = [...String(stdout).split('\n'), ...String(stderr).split('\n')].filter((l) => l.trim());
  return lines
    .map((l) => ({ at: /^\S+/.exec(l)?.[0] ?? '', text: l.replace(/^\S+\s?/, '') }))
    .sort((a, b) => a.at.localeCompare(b.at))
    .map((l) => l.text)
    .join('\n');
}

/** `docker logs -f`, each line handed on as progress; resolves the exit code. */
function followLogs(container) {
  return new Promise((resolve) => {
    const child = spawn(dockerBin(), ['logs', '-f', container], { stdio: ['ignore', 'pipe', 'pipe'] });
    const relay = (stream) => {
      let buf = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk) => {
        buf += chunk;
        const parts = buf.split('\n');
        buf = parts.pop() ?? '';
        for (const l of parts) if (l.trim()) progress(l);
      });
      stream.on('end', () => buf.trim() && progress(buf));
    };
    relay(child.stdout);
    relay(child.stderr);
    child.once('error', () => resolve(127));
    child.once('close', (code) => resolve(code ?? 1));
  });
}
