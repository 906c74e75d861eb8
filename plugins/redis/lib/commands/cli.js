// redis:cli <scope>/<name> [--replica N] [-- redis-cli args…]: redis-cli
// in the right pod, on the user's terminal (an exec_local action the CLI
// runs). The password is in no argv — not in this action, which the CLI
// prints and runs, nor in redis-cli's inside the pod: a fixed script run by
// `sh` in the pod reads it from the pod's own redis.conf (REDIS_PASSWORD
// env as fallback) into REDISCLI_AUTH. exec_local carries an argv only, no
// env, and `docker exec -e REDISCLI_AUTH=<pw>` would put it in the argv of
// the docker process on the host; reading it inside the pod needs neither.
import { dockerBin, inspectContainer } from '../sdk/docker.js';
import { assertNoProblems, parseFlags } from '../sdk/flags.js';
import { authedCliArgv } from '../rediscli.js';
import { SENTINEL_PORT, containerName } from '../ref.js';
import { loadRedis, scopedRef } from '../resource.js';
import { redisMasterOrdinal, redisReplicas } from '../topology.js';
import { monitorTarget } from '../urls.js';

const USAGE = 'voodu redis:cli <scope>/<name> [--replica N] [-- redis-cli args…]';

export const help = `Usage: ${USAGE}

Opens redis-cli in a pod of the redis, authenticated: the master by
default, pod N with --replica N. Arguments after -- go to redis-cli as
they are (a command runs once, without a terminal, so it works in scripts).
On a sentinel resource it opens redis-cli on a sentinel (port ${SENTINEL_PORT}).

The password never appears on a command line: inside the pod it is read
from the pod's redis.conf and handed to redis-cli as REDISCLI_AUTH.

Examples:
  voodu redis:cli prod/cache
  voodu redis:cli prod/cache --replica 2 -- INFO replication
  voodu redis:cli prod/cache -- --scan --pattern 'session:*'
  voodu redis:cli prod/cache-quorum -- SENTINEL get-master-addr-by-name voodu-master
`;

export async function run(args, ctx) {
  const p = parseFlags(args, { int: ['--replica'], rest: true });
  assertNoProblems(p, USAGE);
  if (p.positional.length === 0) throw new Error(`missing argument\nusage: ${USAGE}`);
  if (p.positional.length > 1) {
    throw new Error(`unexpected argument "${p.positional[1]}": redis-cli's arguments go after --, e.g. voodu redis:cli ${p.positional[0]} -- ${p.positional.slice(1).join(' ')}`);
  }
  const res = scopedRef(p.positional[0], '<scope>/<name>');
  const { spec, config } = await loadRedis(ctx, res.scope, res.name);
  const sentinel = monitorTarget(spec) !== undefined;
  const replicas = redisReplicas(spec);
  const asked = p.flags['--replica'];
  const ordinal = asked ?? (sentinel ? 0 : redisMasterOrdinal(config));
  if (ordinal >= replicas) throw new Error(`--replica ${ordinal}: out of range for ${res.ref} (replicas = ${replicas}: ordinals 0..${replicas - 1})`);
  const container = containerName(res.scope, res.name, ordinal);
  const state = await inspectContainer(container);
  if (!state?.running) throw new Error(`pod ${container} of ${res.ref} is ${state ? state.status : 'not there'}; start it (voodu start ${res.ref}) or pick another with --replica N`);

  // A terminal only for an interactive session: `-t` fails when the CLI's stdin is not one (a script).
  const tty = p.rest.length === 0 ? '-it' : '-i';
  const inPod = sentinel ? ['redis-cli', '-p', String(SENTINEL_PORT), ...p.rest] : authedCliArgv(p.rest);
  const command = [dockerBin(ctx.env), 'exec', tty, container, ...inPod];
  const role = sentinel ? `sentinel pod ${ordinal}` : asked === undefined ? `the master (ordinal ${ordinal})` : `pod ${ordinal}`;
  const summary = `redis-cli in ${container}, ${role}${p.rest.length ? `: ${p.rest.join(' ')}` : ''} (password from the pod, not on any command line)`;
  return { message: '', actions: [{ type: 'exec_local', command, summary }] };
}
