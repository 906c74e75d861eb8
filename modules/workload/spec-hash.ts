/**
 * The spec hash: what, when it
 * changes, means every replica must be replaced. Computed from the
 * defaulted spec before `${asset…}` interpolation; asset content enters
 * through digests, so a changed file rolls the replicas that use it.
 *
 * Unlike the reference: build args count (read from `build.args`, where the
 * manifest carries them), statefulsets include `env_from`, and assets used
 * only by webhook config (`on_deploy` / `on_probe` files) never count.
 */
import { normalisePort } from '../../lib/ports.js';
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../lib/canonical-json.js';
import type { Workload } from './contract.js';

/** `${asset.name.key}` / `${asset.scope.name.key}`. */
const ASSET_REF_BODY = String.raw`\$\{asset\.(?:([A-Za-z0-9][A-Za-z0-9_-]*)\.)?([A-Za-z0-9][A-Za-z0-9_-]*)\.([A-Za-z0-9][A-Za-z0-9_-]*)\}`;
/** Global, for matchAll only: a global regex's lastIndex would leak between exec calls. */
const ASSET_REFS = new RegExp(ASSET_REF_BODY, 'g');
const ASSET_REF = new RegExp(`^${ASSET_REF_BODY}$`);
/** Spec keys that never change what a replica is. */
const NOT_HASHED = new Set(['on_deploy', 'on_probe', 'replicas', 'health_check', 'post_deploy', 'keep_releases', 'release', 'max_surge']);

/** Where a digest comes from when the spec was not stamped (a legacy store): the asset's status. */
export type DigestLookup = (ref: string, callerScope: string) => Promise<string | undefined>;

export async function specHash(w: Workload, lookup?: DigestLookup): Promise<string> {
  const assets = await assetDigests(w, lookup);
  const common = {
    image: w.image,
    command: w.command ?? null,
    ports: w.ports.map(normalisePort),
    volumes: w.volumes,
    env: w.env,
  };
  // [key, value, omitted when empty]; the order is part of the hash, so each kind's tail keeps its own.
  const shared: [string, unknown, boolean][] = [
    ['env_from', w.envFrom, true],
    ['networks', [...w.networks].sort(), false],
    ['network_mode', w.networkMode, false],
    ['restart', w.restart, false],
    ['extra_hosts', [...w.extraHosts].sort(), true],
    ['cap_add', [...w.capAdd].sort(), true],
    ['stop_grace_sec', w.stopGraceSec, true],
    ['stop_signal', w.stopSignal, true],
    ['dns_options', w.dnsOptions, true],
    ['build_args', w.buildArgs, true],
    ['ulimits', w.ulimits, true],
    ['docker_options', w.dockerOptions, true],
    ['resources', w.resources, true],
  ];
  const tail: [string, unknown, boolean][] =
    w.kind === 'deployment'
      ? [
          ['autoscale', w.autoscale, true],
          ['logs', w.logs, true],
          ['probes', w.probes, true],
          ['inits', w.inits, true],
        ]
      : [
          ['logs', w.logs, true],
          ['volume_claims', [...w.volumeClaims].sort((a, b) => a.name.localeCompare(b.name)), false],
          ['inits', w.inits, true],
          ['probes', w.probes, true],
        ];
  const shape = [...shared, ...tail, ['assets', assets, true] as [string, unknown, boolean]];
  let json = canonical(common).slice(0, -1);
  for (const [key, value, omitEmpty] of shape) {
    if (omitEmpty && isEmpty(value)) continue;
    json += `,${JSON.stringify(key)}:${canonical(value ?? null)}`;
  }
  return createHash('sha256').update(json + '}').digest('hex');
}

/**
 * Sorted `<digest key>=<sha256>` for every asset the containers use. A
 * two-segment reference may have been stamped under the caller's scope or
 * unscoped, so both spellings are looked for.
 */
async function assetDigests(w: Workload, lookup?: DigestLookup): Promise<string[]> {
  const refs = new Set<string>();
  collect(w.rawSpec, true, refs);
  const dependsOn = (w.rawSpec['depends_on'] as { assets?: unknown } | undefined)?.assets;
  if (Array.isArray(dependsOn)) for (const a of dependsOn) if (typeof a === 'string') refs.add(`\${asset.${a}}`);
  const out = new Set<string>();
  for (const ref of refs) {
    const m = ASSET_REF.exec(ref);
    if (!m) continue;
    const [, scope, name, key] = m;
    const candidates = scope ? [`${scope}.${name}.${key}`] : [`${w.ref.scope}.${name}.${key}`, `${name}.${key}`];
    if (w.assetDigests) {
      for (const c of candidates) if (w.assetDigests[c]) out.add(`${c}=${w.assetDigests[c]}`);
    } else if (lookup) {
      const digest = await lookup(ref, w.ref.scope);
      if (digest) out.add(`${candidates[0]}=${digest}`);
    }
  }
  return [...out].sort();
}

/** Every `${asset…}` in the spec's strings, except under keys that never reach a container. */
function collect(value: unknown, top: boolean, into: Set<string>): void {
  if (typeof value === 'string') {
    for (const m of value.matchAll(ASSET_REFS)) into.add(m[0]);
  } else if (Array.isArray(value)) {
    for (const v of value) collect(v, false, into);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (top && (k.startsWith('_') || k === 'depends_on' || NOT_HASHED.has(k))) continue;
      collect(v, false, into);
    }
  }
}

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.keys(value).length === 0;
  return false;
}

/** Equal specs hash equal: keys sorted at every level, undefined members dropped. */
export const canonical = canonicalJson;
