// redis:info <scope>/<name> [--show-password] [-o json]: what a redis is
// and how to reach it, from the controller's records. The password is
// shown as *** (in the URLs too) unless --show-password; `-o json` answers
// the same facts as one JSON object (the CLI hands `-o json` after the
// verb to the plugin, and prints the message as it is).
import { linkedConsumers } from '../consumers.js';
import { assertNoProblems, parseFlags } from '../sdk/flags.js';
import { podHost, sharedHost } from '../ref.js';
import { expectPositionals, loadRedis, scopedRef } from '../resource.js';
import { findSentinels } from '../sentinels.js';
import { redisMasterOrdinal, redisReplicas } from '../topology.js';
import { REDACTED, buildLinkUrls, buildSentinelHosts, monitorTarget, redactUrl, redisPassword, redisPort } from '../urls.js';

const USAGE = 'voodu redis:info <scope>/<name> [--show-password] [-o json]';

export const help = `Usage: ${USAGE}

Image, pods, master, connection URLs, linked consumers (with the URL shape
each was linked with) and the sentinels watching it. The password is
shown as ${REDACTED} unless --show-password is given.

  -o, --output json   the same facts as JSON
  --show-password     the real password, in the URLs and as "password"

Examples:
  voodu redis:info prod/cache
  voodu redis:info prod/cache -o json --show-password | jq -r .urls.write
`;

export async function run(args, ctx) {
  const p = parseFlags(args, { bool: ['--show-password'], value: ['--output'], alias: { '-o': '--output' } });
  assertNoProblems(p, USAGE);
  expectPositionals(p.positional, 1, USAGE);
  const output = p.flags['--output'] ?? 'text';
  if (output !== 'text' && output !== 'json') throw new Error(`--output "${output}": use json or text`);
  const res = scopedRef(p.positional[0], '<scope>/<name>');
  const redis = await loadRedis(ctx, res.scope, res.name);
  const sentinels = await findSentinels(ctx.controller, res.scope, res.name).catch(() => []);
  const facts = describe(res, redis, { showPassword: p.flags['--show-password'] === true, version: ctx.version, sentinels });
  return { message: output === 'json' ? JSON.stringify(facts, null, 2) : render(facts), actions: [] };
}

/**
 * The facts of one redis, the password redacted unless asked for.
 * @param {{scope: string, name: string, ref: string}} res
 * @param {{spec: any, config: any, own: any}} redis
 * @param {{showPassword?: boolean, version?: string, sentinels?: {scope: string, name: string, replicas: number}[]}} [opts]
 */
export function describe(res, redis, opts = {}) {
  const { spec, config, own } = redis;
  const watched = monitorTarget(spec);
  const show = opts.showPassword === true;
  const replicas = redisReplicas(spec);
  if (watched) {
    return {
      redis: res.ref,
      kind: 'sentinel',
      monitors: `${watched.scope || res.scope}/${watched.name}`,
      image: typeof spec.image === 'string' ? spec.image : null,
      replicas,
      hosts: buildSentinelHosts(res.scope, res.name, replicas).split(','),
    };
  }
  const masterOrdinal = redisMasterOrdinal(config);
  const password = redisPassword(config, spec);
  const urls = buildLinkUrls({ scope: res.scope, name: res.name, spec, config });
  const shown = (u) => (u === undefined ? undefined : show ? u : redactUrl(u));
  const claim = Array.isArray(spec.volume_claims) ? spec.volume_claims.find((c) => c && typeof c.mount_path === 'string') : undefined;
  return {
    redis: res.ref,
    kind: 'redis',
    plugin_version: opts.version ?? null,
    image: typeof spec.image === 'string' ? spec.image : null,
    host: sharedHost(res.scope, res.name),
    port: redisPort(spec),
    data_volume: claim ? { mount_path: claim.mount_path, claim: String(claim.name ?? '') } : null,
    replicas,
    master_ordinal: replicas > 1 ? masterOrdinal : 0,
    master_host: podHost(res.scope, res.name, replicas > 1 ? masterOrdinal : 0),
    replica_hosts: Array.from({ length: replicas }, (_, i) => i)
      .filter((i) => replicas > 1 && i !== masterOrdinal)
      .map((i) => podHost(res.scope, res.name, i)),
    password: password === undefined ? null : show ? password : REDACTED,
    urls: { write: shown(urls.write), ...(urls.read ? { read: shown(urls.read) } : {}) },
    linked_consumers: linkedConsumers(own).map((c) => ({ ref: c.ref, shape: c.readsOnly ? 'reads' : replicas > 1 ? 'master+reads' : 'single' })),
    sentinels: (opts.sentinels ?? []).map((s) => ({ ref: `${s.scope}/${s.name}`, replicas: s.replicas, hosts: buildSentinelHosts(s.scope, s.name, s.replicas).split(',') })),
  };
}

const SHAPES = { reads: 'REDIS_URL on every pod (--reads)', 'master+reads': 'REDIS_URL on the master + REDIS_READ_URL', single: 'REDIS_URL' };

/** The facts as the text the CLI prints. */
export function render(f) {
  if (f.kind === 'sentinel') {
    return [`redis/${f.redis} — sentinels watching ${f.monitors}`, '', `  image:      ${f.image ?? '(default)'}`, `  sentinels:  ${f.replicas}`, `  hosts:      ${f.hosts.join(', ')}`, ''].join('\n');
  }
  const l = [`redis/${f.redis}`, ''];
  l.push(`  plugin:          voodu-redis ${f.plugin_version ?? ''}`.trimEnd());
  l.push(`  image:           ${f.image ?? '(default)'}`);
  l.push(`  host:            ${f.host}`);
  l.push(`  port:            ${f.port}`);
  l.push(`  data volume:     ${f.data_volume ? `${f.data_volume.mount_path} (claim: ${f.data_volume.claim})` : '(none)'}`);
  l.push(`  password:        ${f.password ?? '(none)'}${f.password === REDACTED ? '   (--show-password to see it)' : ''}`);
  l.push('', 'topology:', `  replicas:        ${f.replicas}`);
  if (f.replicas === 1) l.push('  role:            single pod (no replication)');
  else {
    l.push(`  master ordinal:  ${f.master_ordinal} (REDIS_MASTER_ORDINAL)`);
    l.push(`  master host:     ${f.master_host}`);
    l.push(`  replica hosts:   ${f.replica_hosts.join(', ')}`);
  }
  l.push('', 'connect:');
  if (f.urls.read) l.push(`  write url:       ${f.urls.write}`, `  read url:        ${f.urls.read}`);
  else l.push(`  url:             ${f.urls.write}`);
  l.push('', 'linked consumers (REDIS_LINKED_CONSUMERS):');
  if (!f.linked_consumers.length) l.push(`  (none — voodu redis:link ${f.redis} <consumer> adds one)`);
  for (const c of f.linked_consumers) l.push(`  - ${c.ref}  ${SHAPES[c.shape]}`);
  l.push('', 'sentinels:');
  if (!f.sentinels.length) l.push('  (none)');
  for (const s of f.sentinels) l.push(`  - ${s.ref} (${s.replicas}): ${s.hosts.join(', ')}`);
  return `${l.join('\n')}\n`;
}
