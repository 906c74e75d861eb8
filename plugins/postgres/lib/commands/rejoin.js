// pg:rejoin <scope>/<name> --replica N: pod N becomes a streaming standby
// of the current primary again — after a promote left it behind, after it
// was stopped, or when it diverged. The work is rejoin-core's (shared with
// promote): pg_rewind when it can, a fresh base backup when it cannot.
import { expectPositionals, scopedRef } from '../ref.js';
import { rejoinPod } from '../rejoin-core.js';
import { realDeps } from '../replication.js';
import { loadCluster } from '../resource.js';
import { assertNoProblems, parseFlags } from '../sdk/flags.js';

const USAGE = 'voodu pg:rejoin <scope>/<name> --replica N';

export const help = `Usage: ${USAGE}

Makes pod N a standby of the current primary (PG_PRIMARY_ORDINAL) again:

  1. the replication user is granted the functions pg_rewind reads the
     primary with (GRANT EXECUTE on pg_ls_dir, pg_stat_file,
     pg_read_binary_file; safe to repeat);
  2. pod N is stopped (docker stop -t 30) and held down (its standby.signal
     is removed, so the controller's restart of it stays down meanwhile);
  3. pg_rewind --source-server=<primary> in a throwaway container on its
     volume, as the replication user (password in the environment only);
     "no rewind required" (it had not diverged) counts as success;
  4. success: standby.signal back; failure: automatic fallback — its data
     is discarded, so its next boot copies the primary afresh with a base
     backup (PGDATA at the volume root: the controller rebuilds the pod
     from an empty volume);
  5. the pod boots: its container is started again when it already names
     the current primary in its env, else the controller recreates it;
  6. done when the primary's pg_stat_replication shows it streaming.

  --replica N   the pod to rejoin (also --replica=N, -r N); not the primary

Examples:
  voodu pg:rejoin prod/db --replica 0
  voodu pg:rejoin prod/db -r 2
`;

/**
 * @param {string[]} args
 * @param {{controller: any, controllerUrl?: string, deps?: import('../replication.js').Deps}} ctx
 */
export async function run(args, ctx) {
  const p = parseFlags(args, { int: ['--replica'], alias: { '-r': '--replica' } });
  assertNoProblems(p, USAGE);
  expectPositionals(p.positional, 1, USAGE);
  const { scope, name, ref } = scopedRef(p.positional[0], '<scope>/<name>');
  const ordinal = p.flags['--replica'];
  if (ordinal === undefined) throw new Error(`--replica: required — name the pod to rejoin, e.g. voodu pg:rejoin ${ref} --replica 1\nusage: ${USAGE}`);
  const cluster = await loadCluster(ctx, scope, name);
  const r = await rejoinPod(ctx, cluster, Number(ordinal), {}, ctx.deps ?? realDeps);
  return {
    message: `postgres ${ref}: ${r.summary}; took ${r.seconds.toFixed(1)} s${r.outcome === 'rebuilt' ? ' (its old data was discarded)' : ''}`,
    actions: [],
  };
}
