// pg:expose <scope>/<name>: publish the postgres port on every address of
// the host (0.0.0.0:<port>:<port>) instead of loopback only. One pod only:
// behind a published port there must be exactly one server, the primary —
// a port per pod would send writes to standbys after a promote. The choice
// is kept in the bucket (PG_EXPOSE_PUBLIC, read by the expansion, so the
// next apply keeps it) and the stored statefulset is re-applied with the new
// ports now (its pod is recreated with them: a short outage).
import { PROVIDER_KEYS, expectPositionals, scopedRef } from '../ref.js';
import { loadCluster } from '../resource.js';
import { assertNoProblems, parseFlags } from '../sdk/flags.js';

const USAGE = 'voodu pg:expose <scope>/<name>';

export const help = `Usage: ${USAGE}

Publishes the postgres port on 0.0.0.0 (every address of the host), so
clients outside the host can connect: host port = the cluster's port.
By default it is published on 127.0.0.1 only. The pod is recreated with
the new port binding (a short outage); the choice is kept in the bucket
(${PROVIDER_KEYS.exposePublic}), so later applies keep it.

Only for a one-pod cluster. With standbys, use one of:
  - pgbouncer (or another proxy) as its own deployment, exposed instead;
  - an SSH tunnel to the primary's loopback port, e.g.
      ssh -L 5432:127.0.0.1:<published port> you@host
    (\`voodu pg:info\` shows the published port);
  - scale the block to replicas = 1 and apply, then expose.

Before exposing, consider rotating the password (\`voodu pg:new-password\`)
and restricting the host's firewall: the port faces the network.
\`voodu pg:unexpose\` goes back to loopback only.

Example:
  voodu pg:expose prod/db
`;

/**
 * The spec's ports with the postgres port's entry (matched by container
 * port; added when absent) replaced: `0.0.0.0:<p>:<p>` exposed, `<p>`
 * (loopback, an ephemeral host port) not. Other published ports stay.
 * @param {unknown} ports spec.ports
 * @param {number} port the cluster's port
 * @param {boolean} exposed
 */
export function postgresPorts(ports, port, exposed) {
  const entry = exposed ? `0.0.0.0:${port}:${port}` : String(port);
  const list = Array.isArray(ports) ? ports.map(String) : [];
  const isPg = (raw) => {
    const last = raw.trim().split(':').pop() ?? '';
    return last.split('/')[0] === String(port) && !/\/(udp|sctp)$/i.test(last);
  };
  const kept = list.filter((raw) => !isPg(raw));
  return [entry, ...kept];
}

/**
 * The actions of expose (`exposed` true) or unexpose: the bucket record,
 * then the statefulset with its new ports. Refused for expose on more than one pod.
 * @param {import('../resource.js').Cluster} cluster
 * @param {boolean} exposed
 */
export function exposeActions(cluster, exposed) {
  if (exposed && cluster.replicas > 1) {
    throw new Error(
      `postgres ${cluster.ref}: expose is for one pod only (replicas = ${cluster.replicas}): one published port must lead to the primary alone, ` +
        'and a port per pod would send writes to a standby after a promote. Instead: put pgbouncer (or another proxy) in front and expose that; ' +
        `or use an SSH tunnel to the primary's loopback port (ssh -L ${cluster.port}:127.0.0.1:<published port> you@host; \`voodu pg:info ${cluster.ref}\` shows it); ` +
        `or set replicas = 1 in the postgres "${cluster.scope}" "${cluster.name}" block, apply, then expose`,
    );
  }
  const record = exposed
    ? { type: 'config_set', scope: cluster.scope, name: cluster.name, kv: { [PROVIDER_KEYS.exposePublic]: 'true' }, skip_restart: true }
    : { type: 'config_unset', scope: cluster.scope, name: cluster.name, keys: [PROVIDER_KEYS.exposePublic], skip_restart: true };
  const spec = { ...cluster.spec, ports: postgresPorts(cluster.spec?.ports, cluster.port, exposed) };
  return [record, { type: 'apply_manifest', manifest: { kind: 'statefulset', scope: cluster.scope, name: cluster.name, spec } }];
}

export async function run(args, ctx) {
  const p = parseFlags(args, {});
  assertNoProblems(p, USAGE);
  expectPositionals(p.positional, 1, USAGE);
  const { scope, name, ref } = scopedRef(p.positional[0], '<scope>/<name>');
  const cluster = await loadCluster(ctx, scope, name);
  const actions = exposeActions(cluster, true);
  const already = cluster.exposed ? ' (it already was; the statefulset is re-applied as is)' : '';
  return {
    message: `postgres ${ref}: exposed on 0.0.0.0:${cluster.port}${already} — the pod is recreated with the new binding; \`voodu pg:unexpose ${ref}\` undoes it`,
    actions,
  };
}
