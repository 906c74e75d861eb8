// pg:psql <scope>/<name> [--replica N] [-c SQL] [-- psql args…]: psql in
// the current primary's container (or pod N's), on the user's terminal —
// an exec_local action the CLI runs. psql connects over the pod's unix
// socket as the configured user (local connections are trusted, as the
// postgres image's initdb sets them), so no password is needed or shown.
import { expectPositionals, scopedRef } from '../ref.js';
import { loadCluster, requireOrdinal } from '../resource.js';
import { dockerBin, inspectContainer } from '../sdk/docker.js';
import { assertNoProblems, parseFlags } from '../sdk/flags.js';

const USAGE = 'voodu pg:psql <scope>/<name> [--replica N] [-c SQL] [-- psql args…]';

export const help = `Usage: ${USAGE}

Opens psql in a pod of the cluster as its user, on its database and port:
the current primary by default (PG_PRIMARY_ORDINAL), pod N with
--replica N (-r N, --replica=N). psql connects over the pod's unix socket,
which the image trusts for local connections: no password is asked for, and
none appears on any command line.

  -c, --command SQL   run one statement and exit (no terminal is allocated,
                      so it works in scripts and pipes)
  -- args…            everything after -- goes to psql as it is
                      (e.g. -- -At, -- -f /backups/x.sql, -- -l)

A terminal (docker exec -t) is allocated only for an interactive session:
without -c, and without -c/-f/-l/--command/--file/--list after --.

Examples:
  voodu pg:psql prod/db
  voodu pg:psql prod/db --replica 1 -c 'SELECT pg_is_in_recovery()'
  voodu pg:psql prod/db -- -At -c 'SELECT count(*) FROM users'
`;

/** psql arguments that make it run something and exit: no terminal then. */
const ONE_SHOT = /^(-c|--command|-f|--file|-l|--list)(=|$)|^-[A-Za-z]*[cfl]/;

/**
 * The exec_local argv: `docker exec -i[t] <container> psql -U <user> -d <db> -p <port> [-c SQL] [args…]`.
 * @param {{docker: string, container: string, user: string, db: string, port: number, command?: string, rest?: string[]}} p
 */
export function psqlArgv({ docker, container, user, db, port, command, rest = [] }) {
  const interactive = command === undefined && !rest.some((a) => ONE_SHOT.test(a));
  return [docker, 'exec', interactive ? '-it' : '-i', container, 'psql', '-U', user, '-d', db, '-p', String(port), ...(command !== undefined ? ['-c', command] : []), ...rest];
}

export async function run(args, ctx) {
  const p = parseFlags(args, { int: ['--replica'], value: ['--command'], alias: { '-r': '--replica', '-c': '--command' }, rest: true, examples: { '--command': "'SELECT 1'" } });
  assertNoProblems(p, USAGE);
  if (p.positional.length > 1) {
    throw new Error(`unexpected argument "${p.positional[1]}": psql's own arguments go after --, e.g. voodu pg:psql ${p.positional[0]} -- ${p.positional.slice(1).join(' ')}`);
  }
  expectPositionals(p.positional, 1, USAGE);
  const { scope, name, ref } = scopedRef(p.positional[0], '<scope>/<name>');
  const cluster = await loadCluster(ctx, scope, name);
  const asked = p.flags['--replica'];
  const ordinal = asked === undefined ? cluster.primaryOrdinal : requireOrdinal(cluster, /** @type {number} */ (asked));
  const container = cluster.container(ordinal);
  const state = await inspectContainer(container);
  if (!state) {
    throw new Error(`postgres ${ref}: pod ${ordinal} has no container ${container} on this host; check \`voodu get pods -s ${scope} -n ${name}\` (is the block applied?)${asked === undefined ? '' : ', or pick another pod with --replica N'}`);
  }
  if (!state.running) {
    throw new Error(`postgres ${ref}: container ${container} (pod ${ordinal}) is ${state.status}, not running; start it with \`voodu start ${ref}.${ordinal}\`${asked === undefined ? '' : ' or pick another pod with --replica N'}`);
  }

  const command = psqlArgv({
    docker: dockerBin(ctx.env),
    container,
    user: cluster.user,
    db: cluster.db,
    port: cluster.port,
    command: typeof p.flags['--command'] === 'string' ? p.flags['--command'] : undefined,
    rest: p.rest,
  });
  const role = ordinal === cluster.primaryOrdinal ? 'the primary' : 'a standby';
  const summary = `psql in ${container} (pod ${ordinal}, ${role}; user=${cluster.user}, db=${cluster.db}, port ${cluster.port})`;
  // No message: with -c the output is the query's alone (the applied line names the pod).
  return { message: '', actions: [{ type: 'exec_local', command, summary }] };
}
