/** A small YAML emitter for JSON values (`-o yaml`), enough for manifests and status. */

const PLAIN = /^[A-Za-z0-9_./@-][A-Za-z0-9 _./@:-]*$/;
const RESERVED = /^(true|false|null|yes|no|on|off|~|-?\d+(\.\d+)?([eE][-+]?\d+)?)$/i;

function scalar(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  const s = String(v);
  return PLAIN.test(s) && !RESERVED.test(s) && !s.endsWith(':') && !s.includes(': ') ? s : JSON.stringify(s);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function emit(v: unknown, indent: string): string[] {
  if (Array.isArray(v)) {
    if (v.length === 0) return [`${indent}[]`];
    return v.flatMap((item) => {
      if (isObject(item) || Array.isArray(item)) {
        const lines = emit(item, indent + '  ');
        if (lines.length && !(Array.isArray(item) && item.length === 0) && !(isObject(item) && Object.keys(item).length === 0)) {
          return [`${indent}- ${lines[0]!.slice(indent.length + 2)}`, ...lines.slice(1)];
        }
        return [`${indent}- ${lines[0]!.trim()}`];
      }
      return [`${indent}- ${scalar(item)}`];
    });
  }
  if (isObject(v)) {
    const keys = Object.keys(v);
    if (keys.length === 0) return [`${indent}{}`];
    return keys.flatMap((k) => {
      const val = v[k];
      const key = scalar(k);
      if ((isObject(val) && Object.keys(val).length) || (Array.isArray(val) && val.length)) return [`${indent}${key}:`, ...emit(val, indent + '  ')];
      if (isObject(val)) return [`${indent}${key}: {}`];
      if (Array.isArray(val)) return [`${indent}${key}: []`];
      return [`${indent}${key}: ${scalar(val)}`];
    });
  }
  return [`${indent}${scalar(v)}`];
}

export function toYaml(value: unknown): string {
  return emit(value, '').join('\n') + '\n';
}
