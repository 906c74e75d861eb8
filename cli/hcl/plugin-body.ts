/**
 * Spec of a plugin (macro) block, for the plugin to read:
 * attributes as written; nested blocks as objects, or lists when repeated,
 * their labels under `_labels`. `env` values become strings (the statefulset
 * a plugin emits wants strings). The `plugin { version, repo }` block stays
 * in the spec as `plugin`: the server reads it to install the plugin.
 */
import type { At } from '../../lib/manifest/at.js';
import { attributes, nestedBlocks, type HclBody } from './body.js';
import type { ScannedBlock } from './scan.js';
import { literalValue } from './values.js';

function stringifyEnv(v: unknown): unknown {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
  return Object.fromEntries(
    Object.entries(v).map(([k, x]) => [k, x === null ? '' : typeof x === 'number' || typeof x === 'boolean' ? String(x) : x]),
  );
}

export function pluginBody(body: HclBody, scan: ScannedBlock, at: At, source: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of attributes(body, scan)) {
    const value = literalValue(a.value, at.key(a.name));
    out[a.name] = a.name === 'env' ? stringifyEnv(value) : value;
  }
  const grouped = new Map<string, Record<string, unknown>[]>();
  for (const { scan: b, body: value } of nestedBlocks(body, scan, source)) {
    const items = grouped.get(b.type) ?? [];
    const item = pluginBody(value, b, at.key(b.type), source);
    if (b.labels.length) item._labels = [...b.labels];
    items.push(item);
    grouped.set(b.type, items);
  }
  for (const [type, items] of grouped) out[type] = items.length === 1 ? items[0] : items;
  return out;
}
