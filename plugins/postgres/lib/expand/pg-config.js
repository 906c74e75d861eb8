// voodu-99-overrides.conf: the block's pg_config map as postgresql.conf
// lines. Sorted by key so the same map gives the same bytes (the asset's
// digest, and so the pods, change only when a setting does). It is the last
// file of /etc/postgresql/conf.d, so a key here wins over the plugin's own
// streaming settings.

const HEADER = [
  '# Settings from the pg_config map of this postgres block.',
  '# Written by the voodu postgres plugin on every apply; edits here are overwritten.',
  '# Read after voodu-50-streaming.conf: a key set here wins over the plugin\'s own.',
].join('\n');

/**
 * A postgresql.conf string literal: single-quoted, `'` doubled and `\`
 * doubled (the conf parser reads backslash escapes inside quotes, so a
 * trailing `\` would otherwise swallow the closing quote).
 * @param {string} s
 */
export function quotePgString(s) {
  return `'${String(s).replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/**
 * One value as postgresql.conf reads it: bool → on/off, a number as
 * written (whole floats without `.0`), a string quoted, anything else
 * (a list, a map) as its JSON text, quoted.
 * @param {unknown} v
 */
export function formatPgValue(v) {
  if (typeof v === 'boolean') return v ? 'on' : 'off';
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'string') return quotePgString(v);
  return quotePgString(JSON.stringify(v) ?? String(v));
}

/**
 * @param {Record<string, unknown> | undefined | null} pgConfig validated keys (spec.js)
 * @returns {string} the file; the header alone for an empty map. A null value is left out (HCL's way to say "not set").
 */
export function renderPgConfig(pgConfig) {
  const lines = Object.entries(pgConfig ?? {})
    .filter(([, v]) => v !== null && v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k} = ${formatPgValue(v)}`);
  return `${HEADER}\n${lines.length ? `${lines.join('\n')}\n` : ''}`;
}
