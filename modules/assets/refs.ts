/**
 * `${asset.name.key}` / `${asset.scope.name.key}` references: parsing them, and finding every one in a consumer's spec together
 * with the field it sits in, for messages.
 */
import { ValidationError } from '../../lib/errors.js';

export interface AssetRefParts {
  /** Present for the three-segment form only. */
  scope?: string;
  name: string;
  key: string;
  /** The reference as written, for messages. */
  text: string;
}

export interface FoundRef {
  ref: AssetRefParts;
  /** Where it was found: `spec.volumes[0]`, `spec.depends_on.assets[1]`. */
  field: string;
}

const SEG = '[A-Za-z0-9][A-Za-z0-9_-]*';
/** Keys may start with '_' or '-' (spec.ts KEY), so the key segment is wider than the reference implementation's. */
const KEY = '[A-Za-z0-9_-]+';
const REF_BODY = `(?:(${SEG})\\.)?(${SEG})\\.(${KEY})`;
const REF_AT = new RegExp(`\\$\\{asset\\.${REF_BODY}\\}`, 'y');
const REF_WHOLE = new RegExp(`^\\$\\{asset\\.${REF_BODY}\\}$`);
const BARE = new RegExp(`^${REF_BODY}$`);
const OPENER = /\$\{asset\./g;

/** `${asset.…}` or the bare `depends_on` form `name.key` / `scope.name.key`; undefined when neither. */
export function parseRef(text: string): AssetRefParts | undefined {
  const m = REF_WHOLE.exec(text) ?? BARE.exec(text);
  return m ? partsOf(m, text) : undefined;
}

/**
 * Every reference in `text`, in order. Anything that opens `${asset.` but is
 * not a whole reference is an error: it would reach the container as
 * literal text.
 */
export function refsIn(text: string, where: string): AssetRefParts[] {
  const out: AssetRefParts[] = [];
  for (const opener of text.matchAll(OPENER)) {
    REF_AT.lastIndex = opener.index;
    const m = REF_AT.exec(text);
    if (!m) {
      const close = text.indexOf('}', opener.index);
      const shown = close === -1 ? text.slice(opener.index) : text.slice(opener.index, close + 1);
      throw new ValidationError(
        `${where}: ${JSON.stringify(shown)} is not an asset reference; use \${asset.name.key} or \${asset.scope.name.key} (letters, digits, '_' and '-')`,
        { field: where },
      );
    }
    out.push(partsOf(m, m[0]));
  }
  return out;
}

/** The `_asset_digests` key of a resolved reference: `scope.name.key`, or `name.key` for an unscoped asset. */
export function digestKey(scope: string, name: string, key: string): string {
  return scope ? `${scope}.${name}.${key}` : `${name}.${key}`;
}

/**
 * The references a consumer carries (docs/kinds.md, "asset"): every string
 * anywhere in the spec except top-level keys starting with '_' and
 * `depends_on`, plus the `depends_on.assets` entries. A kind whose container
 * fields sit one level down (`containerAt`: a cronjob's `job`) follows the
 * same rules there.
 */
export function collectRefs(containerAt: string | undefined, spec: Record<string, unknown>, label: string): FoundRef[] {
  const found: FoundRef[] = [];
  const levels: Array<{ obj: Record<string, unknown>; base: string }> = [{ obj: spec, base: 'spec' }];
  const inner = containerAt ? spec[containerAt] : undefined;
  if (containerAt && isObject(inner)) levels.push({ obj: inner, base: `spec.${containerAt}` });
  for (const { obj, base } of levels) {
    for (const [key, value] of Object.entries(obj)) {
      if (key.startsWith('_') || key === 'depends_on') continue;
      if (base === 'spec' && levels.length > 1 && key === containerAt) continue;
      walk(value, fieldOf(base, key), label, found);
    }
    dependsOn(obj['depends_on'], `${base}.depends_on`, label, found);
  }
  return found;
}

function walk(value: unknown, field: string, label: string, found: FoundRef[]): void {
  if (typeof value === 'string') {
    for (const ref of refsIn(value, `${label}: ${field}`)) found.push({ ref, field });
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => walk(v, `${field}[${i}]`, label, found));
  } else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) walk(v, fieldOf(field, k), label, found);
  }
}

function dependsOn(value: unknown, field: string, label: string, found: FoundRef[]): void {
  if (value === undefined || value === null) return;
  if (!isObject(value)) throw new ValidationError(`${label}: ${field} must be a block (an object)`, { field });
  const assets = value['assets'];
  if (assets === undefined || assets === null) return;
  if (!Array.isArray(assets)) {
    throw new ValidationError(`${label}: ${field}.assets must be a list of "name.key" or "scope.name.key"`, { field: `${field}.assets` });
  }
  assets.forEach((entry, i) => {
    const ref = typeof entry === 'string' ? parseRef(entry) : undefined;
    if (!ref) {
      throw new ValidationError(
        `${label}: ${field}.assets[${i}]: ${JSON.stringify(entry)} is not an asset reference; use "name.key" or "scope.name.key"`,
        { field: `${field}.assets[${i}]` },
      );
    }
    found.push({ ref, field: `${field}.assets[${i}]` });
  });
}

function partsOf(m: RegExpExecArray, text: string): AssetRefParts {
  const [, scope, name, key] = m;
  return { ...(scope !== undefined && { scope }), name: name!, key: key!, text };
}

function fieldOf(base: string, key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${base}.${key}` : `${base}[${JSON.stringify(key)}]`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
