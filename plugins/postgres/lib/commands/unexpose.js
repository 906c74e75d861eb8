// pg:unexpose <scope>/<name>: the postgres port back on the host's loopback
// only. Always allowed (whatever the pod count: closing is never unsafe).
import { expectPositionals, scopedRef } from '../ref.js';
import { loadCluster } from '../resource.js';
import { assertNoProblems, parseFlags } from '../sdk/flags.js';
import { exposeActions } from './expose.js';

const USAGE = 'voodu pg:unexpose <scope>/<name>';

export const help = `Usage: ${USAGE}

Publishes the postgres port on 127.0.0.1 only again (the default), undoing
pg:expose: PG_EXPOSE_PUBLIC leaves the bucket and the pods are recreated
with the loopback binding (a short outage). Allowed for any pod count.

Example:
  voodu pg:unexpose prod/db
`;

export async function run(args, ctx) {
  const p = parseFlags(args, {});
  assertNoProblems(p, USAGE);
  expectPositionals(p.positional, 1, USAGE);
  const { scope, name, ref } = scopedRef(p.positional[0], '<scope>/<name>');
  const cluster = await loadCluster(ctx, scope, name);
  const actions = exposeActions(cluster, false);
  const was = cluster.exposed ? '' : ' (it was not exposed; the statefulset is re-applied with the loopback binding)';
  return { message: `postgres ${ref}: port ${cluster.port} published on 127.0.0.1 only${was}`, actions };
}
