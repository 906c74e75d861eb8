// How the block's own keys combine with the plugin's defaults: `env` merges
// key by key, `volumes` merge by their destination in the container (so a
// user mount adds to the plugin's redis.conf and entrypoint binds, or
// replaces one of them by naming the same path), and every other key the
// block declares replaces the default whole — `probes` included.

/**
 * The destination of a `src:dst[:mode]` volume, or "" when it has no colon.
 * @param {unknown} entry
 */
export function volumeTarget(entry) {
  if (typeof entry !== 'string') return '';
  const parts = entry.split(':');
  return parts.length >= 2 ? parts[1] : '';
}

/**
 * Defaults first in their order; a user entry with a destination already
 * present replaces it in place, a new one is appended. Entries that do not
 * parse are kept verbatim (once each), for Docker to reject with its own words.
 * @returns {string[] | null}
 */
export function mergeVolumes(defaults, operator) {
  const a = Array.isArray(defaults) ? defaults : [];
  const b = Array.isArray(operator) ? operator : [];
  if (a.length === 0 && b.length === 0) return null;
  /** @type {Map<string, string>} insertion order is the output order */
  const byTarget = new Map();
  for (const v of [...a, ...b]) {
    if (typeof v !== 'string') continue;
    const target = volumeTarget(v) || `\0raw:${v}`;
    byTarget.set(target, v);
  }
  return [...byTarget.values()];
}

const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Key by key, the block winning; null when both sides are empty. */
export function mergeEnv(defaults, operator) {
  const a = isObject(defaults) ? defaults : {};
  const b = isObject(operator) ? operator : {};
  if (Object.keys(a).length === 0 && Object.keys(b).length === 0) return null;
  return { ...a, ...b };
}

/**
 * The statefulset spec: defaults under the block's keys. A key whose merge
 * comes out empty is dropped rather than sent as null.
 * @param {Record<string, unknown>} defaults
 * @param {Record<string, unknown> | undefined} operator
 */
export function mergeSpec(defaults, operator) {
  const out = { ...defaults };
  for (const [k, v] of Object.entries(operator ?? {})) {
    if (k === 'env') out.env = mergeEnv(out.env, v);
    else if (k === 'volumes') out.volumes = mergeVolumes(out.volumes, v);
    else out[k] = v;
  }
  for (const k of ['env', 'volumes']) if (out[k] === null) delete out[k];
  return out;
}
