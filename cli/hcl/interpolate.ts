/**
 * `${VAR}` / `${VAR:-default}` over the raw text, before HCL sees it,
 * comments included as in the reference. What must reach the server
 * literally — `${asset.…}`, `${ref.…}` (any `${x.y}`), HCL's own `$${…}`
 * escape, and anything a substituted value contains — is protected with a
 * private-use marker in place of the `$`: hcl2-json-parser prints escaped
 * and real interpolations alike as `${…}`, so the marker is how we tell a
 * literal from an expression after parsing. `restoreLiterals` puts the `$`
 * back.
 */
import { ValidationError } from '../../lib/errors.js';

/** Stands for a literal `$` before `{` between interpolation and the end of parsing. */
export const LITERAL_DOLLAR = '\uE000';

const TOKEN = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$\{([A-Za-z_][A-Za-z0-9_]*\.[^}]+)\}/g;

const protect = (s: string) => s.replaceAll('${', `${LITERAL_DOLLAR}{`);

export function restoreLiterals(s: string): string {
  return s.includes(LITERAL_DOLLAR) ? s.replaceAll(LITERAL_DOLLAR, '$') : s;
}

export function interpolate(raw: string, vars: Record<string, string | undefined>, source: string): string {
  if (raw.includes(LITERAL_DOLLAR)) {
    throw new ValidationError(`${source}: contains the character U+E000, which voodu reserves; remove it`);
  }
  const missing: string[] = [];
  const out = raw.replace(TOKEN, (match, name: string | undefined, fallback: string | undefined, dotted: string | undefined) => {
    if (match === '$${') return `${LITERAL_DOLLAR}{`;
    if (dotted !== undefined) return `${LITERAL_DOLLAR}{${dotted}}`;
    const value = vars[name!];
    if (value !== undefined) return protect(value);
    if (match.includes(':-')) return protect(fallback ?? '');
    if (!missing.includes(name!)) missing.push(name!);
    return match;
  });
  if (missing.length) {
    throw new ValidationError(
      `${source}: undefined variable(s): ${missing.join(', ')}; set them in your shell or with \`vd config set\`, or give a default with \${${missing[0]}:-value}`,
      { field: missing[0]! },
    );
  }
  return out;
}
