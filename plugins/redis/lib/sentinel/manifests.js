// A sentinel resource's expansion: its own asset (the entrypoint, with the
// hook inside) and statefulset, with the monitored redis's bucket pulled in
// through env_from (password, master ordinal). It writes nothing into that
// bucket: the data pods find their sentinels by themselves (see
// expand/entrypoint.js), so adding or removing sentinels changes nothing of
// the data redis — not even its env file, whose change would roll its pods.
import { DNS_OPTIONS, assetRef } from '../expand/defaults.js';
import { mergeEnv, mergeSpec } from '../expand/merge.js';
import { PROVIDER_KEYS, SENTINEL_PORT } from '../ref.js';
import { asInt } from '../topology.js';
import { SENTINEL_ENTRYPOINT_PATH, SENTINEL_STATE_DIR, renderSentinelEntrypoint } from './entrypoint.js';

/**
 * Debian's redis image, not the data pods' Alpine one: the entrypoint and
 * the hook need bash (HTTP over /dev/tcp), which Alpine's image lacks — a
 * bare sentinel block on redis:7-alpine could never start.
 */
export const SENTINEL_DEFAULT_IMAGE = 'redis:7';

export function composeSentinelDefaults(scope, name) {
  return {
    image: SENTINEL_DEFAULT_IMAGE,
    replicas: 3,
    // bash, not sh: the entrypoint and its hook speak HTTP over /dev/tcp.
    command: ['bash', SENTINEL_ENTRYPOINT_PATH],
    ports: [String(SENTINEL_PORT)],
    volumes: [`${assetRef(scope, name, 'sentinel_entrypoint')}:${SENTINEL_ENTRYPOINT_PATH}:ro`],
    // sentinel.conf lives here: what a sentinel learned survives its pod being recreated.
    volume_claims: [{ name: 'state', mount_path: SENTINEL_STATE_DIR }],
    // A sentinel resolving the dead master's name must not stall (see DNS_OPTIONS).
    dns_options: DNS_OPTIONS,
  };
}

/** The block's replicas when it gave a whole number ≥ 1 (validated before), else 3. */
export function sentinelReplicas(spec) {
  const n = asInt(spec?.replicas);
  return n !== undefined && n >= 1 ? n : 3;
}

/** What the entrypoint reads: the monitored redis and how many sentinels make the quorum. */
export function sentinelPodEnv(monitor, replicas) {
  return { VOODU_MONITOR_SCOPE: monitor.scope, VOODU_MONITOR_NAME: monitor.name, VOODU_REDIS_REPLICAS: String(replicas) };
}

/** The block's env_from entries (strings, once), then the monitored redis last so its bucket wins. */
export function mergeEnvFrom(operator, monitorRef) {
  const out = [];
  for (const v of Array.isArray(operator) ? operator : []) {
    if (typeof v === 'string' && v && v !== monitorRef && !out.includes(v)) out.push(v);
  }
  out.push(monitorRef);
  return out;
}

/**
 * [asset, statefulset] of a sentinel resource.
 * @param {{scope?: string, name: string}} req
 * @param {{scope: string, name: string}} monitor
 * @param {Record<string, unknown>} spec the block's keys, sentinel block included
 */
export function sentinelManifests(req, monitor, spec) {
  const scope = req.scope ?? '';
  const replicas = sentinelReplicas(spec);
  const { sentinel: _s, appendonly: _a, ...operator } = spec ?? {};
  const merged = mergeSpec(composeSentinelDefaults(scope, req.name), operator);
  merged.replicas = replicas;
  merged.env_from = mergeEnvFrom(operator.env_from, `${monitor.scope}/${monitor.name}`);
  merged.env = mergeEnv(sentinelPodEnv(monitor, replicas), merged.env);
  return [
    { kind: 'asset', scope, name: req.name, spec: { files: { sentinel_entrypoint: renderSentinelEntrypoint(scope, req.name) } } },
    { kind: 'statefulset', scope, name: req.name, spec: merged },
  ];
}

/**
 * Sentinels take the password and the master ordinal from the monitored
 * bucket; the same keys in their own bucket would win over env_from (a later
 * env file) and break auth. Clear any found there — once: a clean bucket emits nothing.
 */
export function sentinelDefensiveUnsets(req) {
  const stale = [PROVIDER_KEYS.password, PROVIDER_KEYS.masterOrdinal, PROVIDER_KEYS.linkedConsumers].filter((k) => typeof req.config?.[k] === 'string' && req.config[k] !== '');
  return stale.length ? [{ type: 'config_unset', scope: req.scope ?? '', name: req.name, keys: stale }] : [];
}
