/**
 * JSON with object keys sorted at every level and undefined members
 * dropped, so two values that mean the same serialise the same: what a
 * spec hash is taken of, and how "unchanged" is decided (an apply that
 * stores nothing, a diff that shows nothing). Pure; shared by the CLI and
 * the controller.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** Whether `a` and `b` are the same JSON value, whatever their key order. */
export const sameJson = (a: unknown, b: unknown): boolean => canonicalJson(a) === canonicalJson(b);
