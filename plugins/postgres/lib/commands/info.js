// pg:info <scope>/<name> [--show-password] [-o json]: what a cluster is
// and how to reach it — from the controller's records (spec, bucket) and,
// for each pod whose container runs, its live role (pg_is_in_recovery).
// Passwords are shown as *** (in the URLs too) unless --show-password.
//
// `-o json` after the verb reaches only the plugin (the CLI reads its
// global flags before the verb), and the CLI prints the message as it is:
// so `voodu pg:info x -o json` prints this JSON and nothing else.
// (`voodu -o json pg:info x` instead prints the whole dispatch answer.)
import { linkedConsumers } from '../consumers.js';
import { runSql } from '../psql.js';
import { expectPositionals, scopedRef } from '../ref.js';
import { loadCluster } from '../resource.js';
import { docker } from '../sdk/docker.js';
import { assertNoProblems, parseFlags } from '../sdk/flags.js';
import { REDACTED, buildLinkUrls, redactUrl } from '../urls.js';

const USAGE = 'voodu pg:info <scope>/<name> [--show-password] [-o json]';

export const help = `Usage: ${USAGE}

Image, pods and their roles, the primary, the user, database and port, the
connection URLs, whether the port is exposed, and the linked consumers
(with the shape each was linked with). Passwords are shown as ${REDACTED}
unless --show-password is given.

Each running pod is asked for its live role (SELECT pg_is_in_recovery()):
a pod whose live role differs from the recorded one is flagged.

  -o, --output json   the same facts as one JSON object
  --show-password     the real passwords, in the URLs and as "password"

Examples:
  voodu pg:info prod/db
  voodu pg:info prod/db -o json --show-password | jq -r .urls.write
`;

/** How long one pod may take to tell its role; a pod that does not answer is "unknown", never an error. */
const LIVE_TIMEOUT_MS = 5_000;

export async function run(args, ctx) {
  const p = parseFlags(args, { bool: ['--show-password'], value: ['--output'], alias: { '-o': '--output' } });
  assertNoProblems(p, USAGE);
  expectPositionals(p.positional, 1, USAGE);
  const output = p.flags['--output'] ?? 'text';
  if (output !== 'text' && output !== 'json') throw new Error(`--output "${output}": use json or text (e.g. -o json)\nusage: ${USAGE}`);
  const { scope, name } = scopedRef(p.positional[0], '<scope>/<name>');
  const cluster = await loadCluster(ctx, scope, name);
  const live = await livePods(cluster);
  const facts = describe(cluster, { showPassword: p.flags['--show-password'] === true, version: ctx.version, live });
  return { message: output === 'json' ? JSON.stringify(facts, null, 2) : render(facts), actions: [] };
}

/**
 * Each pod's container state, published port and — when it runs — its live role.
 * All pods at once, each bounded, so a down or hung pod costs seconds, not the command.
 * @param {import('../resource.js').Cluster} cluster
 * @returns {Promise<{ordinal: number, state: string, role: 'primary'|'standby'|'unknown', published: string[]}[]>}
 */
export async function livePods(cluster) {
  const ordinals = Array.from({ length: cluster.replicas }, (_, i) => i);
  const inspected = await inspectAll(ordinals.map((i) => cluster.container(i)));
  return Promise.all(
    ordinals.map(async (ordinal) => {
      const c = inspected.get(cluster.container(ordinal));
      const pod = { ordinal, state: c ? c.state : 'missing', role: /** @type {'primary'|'standby'|'unknown'} */ ('unknown'), published: c ? c.published : [] };
      if (c?.state !== 'running') return pod;
      try {
        const out = await runSql(cluster, ordinal, 'SELECT pg_is_in_recovery();', { db: 'postgres', timeoutMs: LIVE_TIMEOUT_MS });
        pod.role = out === 'f' ? 'primary' : out === 't' ? 'standby' : 'unknown';
      } catch {
        // Starting, crash-looping or stuck: unknown, which the text shows.
      }
      return pod;
    }),
  );
}

/** `docker inspect` of every container in one call: name → {state, published host:port list}. Missing ones are absent. */
async function inspectAll(names) {
  const out = new Map();
  const r = await docker(['inspect', '--type', 'container', ...names], { timeoutMs: LIVE_TIMEOUT_MS }).catch(() => undefined);
  let list = [];
  try {
    // A missing container makes docker exit 1 but it still prints the ones it found.
    list = r && r.stdout.trim() ? JSON.parse(r.stdout) : [];
  } catch {
    list = [];
  }
  for (const c of Array.isArray(list) ? list : []) {
    const name = String(c?.Name ?? '').replace(/^\//, '');
    const ports = c?.NetworkSettings?.Ports ?? {};
    const published = [];
    for (const bindings of Object.values(ports)) for (const b of bindings ?? []) if (b?.HostPort) published.push(`${b.HostIp || '0.0.0.0'}:${b.HostPort}`);
    out.set(name, { state: String(c?.State?.Status ?? 'unknown'), published });
  }
  return out;
}

/**
 * The facts of one cluster, passwords redacted unless asked for.
 * @param {import('../resource.js').Cluster} cluster
 * @param {{showPassword?: boolean, version?: string, live?: Awaited<ReturnType<typeof livePods>>}} [opts]
 */
export function describe(cluster, opts = {}) {
  const show = opts.showPassword === true;
  const primary = cluster.primaryOrdinal;
  const standbys = cluster.standbys();
  const masked = (pw) => (pw ? REDACTED : '<unset>');
  let urls = null;
  if (cluster.password) {
    const u = buildLinkUrls(cluster, { reads: true });
    urls = { write: show ? u.write : redactUrl(u.write), read: show ? u.read : redactUrl(u.read) };
  }
  const live = new Map((opts.live ?? []).map((p) => [p.ordinal, p]));
  const pods = Array.from({ length: cluster.replicas }, (_, ordinal) => {
    const l = live.get(ordinal);
    const expected = ordinal === primary ? 'primary' : 'standby';
    return {
      ordinal,
      container: cluster.container(ordinal),
      fqdn: cluster.host(ordinal),
      expected_role: expected,
      ...(l ? { state: l.state, live_role: l.role, published: l.published, role_mismatch: l.role !== 'unknown' && l.role !== expected } : {}),
    };
  });
  const bind = bindAddress(cluster);
  return {
    ref: cluster.ref,
    plugin_version: opts.version ?? null,
    image: cluster.image || null,
    replicas: cluster.replicas,
    primary_ordinal: primary,
    primary_fqdn: cluster.host(primary),
    primary_container: cluster.container(primary),
    standby_fqdns: standbys.map((i) => cluster.host(i)),
    super_user: cluster.user,
    database: cluster.db,
    port: cluster.port,
    replication_user: cluster.replicationUser,
    password_redacted: masked(cluster.password),
    replication_password_redacted: masked(cluster.replicationPassword),
    ...(show ? { password: cluster.password || null, replication_password: cluster.replicationPassword || null } : {}),
    password_source: cluster.passwordFromHcl ? 'hcl' : cluster.password ? 'bucket' : null,
    exposed: cluster.exposed,
    bind_address: bind,
    urls,
    pods,
    linked_consumers: linkedConsumers(cluster.own).map((c) => ({ ref: c.ref, reads: c.reads })),
    ...(cluster.storedPrimaryOrdinal !== undefined && cluster.storedPrimaryOrdinal >= cluster.replicas
      ? { warning: `PG_PRIMARY_ORDINAL=${cluster.storedPrimaryOrdinal} names no pod (replicas = ${cluster.replicas}); pod 0 is taken as the primary` }
      : {}),
  };
}

/** Where the spec publishes the postgres port: "0.0.0.0" (exposed), "127.0.0.1" (the default) or what the operator wrote. */
export function bindAddress(cluster) {
  const ports = Array.isArray(cluster.spec?.ports) ? cluster.spec.ports.map(String) : [];
  for (const raw of ports) {
    const parts = raw.trim().split(':');
    const container = parts[parts.length - 1].split('/')[0];
    if (container !== String(cluster.port)) continue;
    // "5432" and "h:5432" are bound on loopback by the runtime; "ip:h:5432" on ip.
    return parts.length >= 3 ? parts.slice(0, -2).join(':').replace(/^\[|\]$/g, '') : '127.0.0.1';
  }
  return null;
}

/** The facts as the text the CLI prints. */
export function render(f) {
  const l = [`postgres/${f.ref}`, ''];
  l.push(`  plugin:            voodu-postgres ${f.plugin_version ?? ''}`.trimEnd());
  l.push(`  image:             ${f.image ?? '(default)'}`);
  l.push(`  user:              ${f.super_user}`);
  l.push(`  database:          ${f.database}`);
  l.push(`  port:              ${f.port}`);
  l.push(`  password:          ${f.password ?? f.password_redacted}${f.password === undefined && f.password_redacted === REDACTED ? '   (--show-password to see it)' : ''}${f.password_source === 'hcl' ? '   (from the HCL block)' : ''}`);
  l.push(`  replication user:  ${f.replication_user} (password ${f.replication_password ?? f.replication_password_redacted})`);
  l.push(`  exposed:           ${f.exposed ? 'yes — published on 0.0.0.0' : `no — published on ${f.bind_address ?? '(not published)'}`}`);
  l.push('', 'topology:', `  replicas:          ${f.replicas}`);
  l.push(`  primary:           pod ${f.primary_ordinal} — ${f.primary_fqdn}`);
  l.push(`  standbys:          ${f.standby_fqdns.length ? f.standby_fqdns.join(', ') : '(none — single pod)'}`);
  if (f.warning) l.push(`  warning:           ${f.warning}`);
  l.push('', 'pods:');
  for (const p of f.pods) {
    const live = p.state === undefined ? '' : p.state !== 'running' ? ` — ${p.state}` : ` — running, live role ${p.live_role}${p.role_mismatch ? `  ⚠ expected ${p.expected_role}` : ''}`;
    const pub = p.published?.length ? `  (published ${p.published.join(', ')})` : '';
    l.push(`  ${p.container}  ${p.expected_role}${live}${pub}`);
  }
  l.push('', 'connect:');
  if (f.urls) {
    l.push(`  write url:         ${f.urls.write}`);
    if (f.standby_fqdns.length) l.push(`  read url:          ${f.urls.read}`);
  } else l.push('  (no password in the bucket yet — has the resource been applied?)');
  l.push('', 'linked consumers (POSTGRES_LINKED_CONSUMERS):');
  if (!f.linked_consumers.length) l.push(`  (none — voodu pg:link ${f.ref} <consumer> adds one)`);
  for (const c of f.linked_consumers) l.push(`  - ${c.ref}  ${c.reads ? 'DATABASE_URL + DATABASE_READ_URL (--reads)' : 'DATABASE_URL'}`);
  return `${l.join('\n')}\n`;
}
