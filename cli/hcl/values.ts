/**
 * Attribute values as hcl2-json-parser returns them: literals stay, and any
 * expression it could not evaluate comes back as a `${…}` string. Since every
 * literal `${` was protected before parsing (interpolate.ts), a `${` left in a
 * value is an expression — which manifests do not support outside asset
 * bodies' file() and url().
 */
import type { HclJson } from './body.js';
import type { At } from '../../lib/manifest/at.js';
import { restoreLiterals } from './interpolate.js';

/** The expression text of a value that is one whole `${…}`, e.g. `file("x")`. */
export function wholeExpression(v: unknown): string | undefined {
  if (typeof v !== 'string' || !v.startsWith('${') || !v.endsWith('}')) return undefined;
  return v.slice(2, -1).trim();
}

function expressionError(v: string, at: At): never {
  const expr = wholeExpression(v);
  if (expr && /^(file|url)\s*\(/.test(expr)) at.fail(`${expr.split('(')[0]}() can only be used for values inside an asset block`);
  const shown = restoreLiterals(v).length > 80 ? `${restoreLiterals(v).slice(0, 77)}...` : restoreLiterals(v);
  return at.fail(
    `expressions are not supported (found ${JSON.stringify(shown)}); write a literal value, use \${NAME} for a variable from your shell or config, or \${asset.…}/\${ref.…} for the server to resolve`,
  );
}

/** A literal value with protected `$` restored; expressions are errors naming the field. */
export function literalValue(v: HclJson, at: At): unknown {
  if (typeof v === 'string') {
    if (v.includes('${')) expressionError(v, at);
    return restoreLiterals(v);
  }
  if (Array.isArray(v)) return v.map((x, i) => literalValue(x, at.index(i)));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[restoreLiterals(k)] = literalValue(x, at.key(k));
    return out;
  }
  return v;
}
