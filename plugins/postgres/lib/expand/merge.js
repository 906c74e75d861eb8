// How the block's passthrough keys combine with the plugin's statefulset
// defaults: `env` merges key by key, `volumes` by their
// destination in the container, every other key the block declares
// replaces the default whole (`probes` and `command` included). The merged
// volumes are sorted by destination, so the spec — and its hash — does not
// depend on the order the block lists them in.

const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The destination of a `src:dst[:mode]` volume; an entry without one is
 * its own destination (kept once, for Docker to reject with its own words).
 * @param {string} entry
 */
export function volumeDest(entry) {
  const parts = String(entry).split(':');
  return parts.length >= 2 && parts[1] ? parts[1] : String(entry);
}

/** Key by key, the block winning. */
export function mergeEnv(defaults, operator) {
  return { ...(isObject(defaults) ? defaults : {}), ...(isObject(operator) ? operator : {}) };
}

/**
 * Defaults whose destination the block mounts something else on are
 * dropped, the block's entries are added (the last of two on one
 * destination wins), and the list is sorted by destination.
 * @param {string[]} defaults
 * @param {unknown[]} operator
 */
export function mergeVolumes(defaults, operator) {
  /** @type {Map<string, string>} */
  const byDest = new Map();
  for (const v of [...(defaults ?? []), ...(operator ?? [])]) {
    if (typeof v === 'string') byDest.set(volumeDest(v), v);
  }
  return [...byDest.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
}

/**
 * The statefulset spec: the defaults under the block's passthrough keys.
 * An `env` or `volumes` of the wrong shape is passed on as written, so the
 * controller's validation names it.
 * @param {Record<string, unknown>} defaults
 * @param {Record<string, unknown>} operator the block without its plugin-owned keys
 */
export function mergeSpec(defaults, operator) {
  const out = { ...defaults };
  for (const [k, v] of Object.entries(operator ?? {})) {
    if (k === 'env' && isObject(v)) out.env = mergeEnv(out.env, v);
    else if (k === 'volumes' && Array.isArray(v) && v.every((x) => typeof x === 'string')) out.volumes = mergeVolumes(/** @type {string[]} */ (out.volumes), v);
    else out[k] = v;
  }
  return out;
}
