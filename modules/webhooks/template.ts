/**
 * `{{token}}` replacement in a custom body: every string
 * value, recursively through objects and arrays, never keys. One pass, so a
 * value that itself contains `{{…}}` is not expanded again; unknown tokens
 * stay literal (receivers may use handlebars themselves).
 */
const TOKEN = /\{\{([A-Za-z0-9_]+)\}\}/g;

export function renderString(text: string, values: Record<string, string>): string {
  return text.replace(TOKEN, (whole, name: string) => (Object.hasOwn(values, name) ? values[name]! : whole));
}

/** A rendered deep copy: the input (the stored manifest's body) is never changed. */
export function render(value: unknown, values: Record<string, string>): unknown {
  if (typeof value === 'string') return renderString(value, values);
  if (Array.isArray(value)) return value.map((v) => render(v, values));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = render(v, values);
    return out;
  }
  return value;
}
