/**
 * Typed field decoders: each checks one value, names the field when it is
 * wrong, and returns it normalised. Empty scalars, lists and maps come back
 * `undefined` so the record drops them (the wire omits empty fields, as the
 * reference's `omitempty` does); blocks are kept even when empty, because
 * their presence means something (`tls {}`, `probes {}`).
 */
import type { At } from './at.js';
import { closest } from './suggest.js';

export type Decoder<T> = (value: unknown, at: At) => T | undefined;

/**
 * One decoder per accepted key; key order here is the key order on the wire.
 * `_asset_digests` is the server's, handled by `serverKeys`.
 */
export type Shape<T> = { [K in keyof T as K extends '_asset_digests' ? never : K]-?: Decoder<NonNullable<T[K]>> };

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a block';
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  return `${typeof v === 'number' ? 'the number' : 'the value'} ${String(v)}`;
}

/** HCL converts numbers and bools to strings where a string is wanted; the JSON wire does not. */
function toText(v: unknown, at: At): string {
  if (typeof v === 'string') return v;
  if (at.origin.hcl && (typeof v === 'number' || typeof v === 'boolean')) return String(v);
  return at.fail(`must be a string, got ${describe(v)}`);
}

/** A string; "" is dropped. */
export const str: Decoder<string> = (v, at) => toText(v, at) || undefined;

/** A string kept even when empty (list items: `["sh", ""]` is a real argv). */
export const text: Decoder<string> = (v, at) => toText(v, at);

/** A string from a fixed set ("" always allowed and dropped). */
export function oneOf(values: readonly string[], hint?: string): Decoder<string> {
  return (v, at) => {
    const s = toText(v, at);
    if (s === '') return undefined;
    if (!values.includes(s)) at.fail(`${JSON.stringify(s)} is not accepted; use ${hint ?? values.map((x) => JSON.stringify(x)).join(', ')}`);
    return s;
  };
}

/** A string that must pass `check`, which returns the problem or undefined. */
export function formatted(check: (s: string) => string | undefined): Decoder<string> {
  return (v, at) => {
    const s = toText(v, at);
    if (s === '') return undefined;
    const problem = check(s);
    if (problem) at.fail(problem);
    return s;
  };
}

export interface IntOptions {
  min?: number;
  max?: number;
  /** Keep 0 on the wire (a port of 0 is dropped; a threshold of 0 is not interesting either). */
  keepZero?: boolean;
}

export function int(opts: IntOptions = {}): Decoder<number> {
  return (v, at) => {
    let n = v;
    if (typeof n === 'string' && at.origin.hcl && /^-?\d+$/.test(n.trim())) n = Number(n.trim());
    if (typeof n !== 'number' || !Number.isFinite(n)) return at.fail(`must be a whole number, got ${describe(v)}`);
    if (!Number.isInteger(n)) at.fail(`must be a whole number, got ${n}`);
    if (opts.min !== undefined && opts.max !== undefined && (n < opts.min || n > opts.max)) {
      at.fail(`must be between ${opts.min} and ${opts.max} (got ${n})`);
    }
    if (opts.min !== undefined && n < opts.min) at.fail(`must be >= ${opts.min} (got ${n})`);
    if (opts.max !== undefined && n > opts.max) at.fail(`must be <= ${opts.max} (got ${n})`);
    return n === 0 && !opts.keepZero ? undefined : n;
  };
}

function toBool(v: unknown, at: At): boolean {
  if (typeof v === 'boolean') return v;
  if (at.origin.hcl && (v === 'true' || v === 'false')) return v === 'true';
  return at.fail(`must be true or false, got ${describe(v)}`);
}

/** A bool; false is dropped. */
export const flag: Decoder<boolean> = (v, at) => toBool(v, at) || undefined;

/** A bool kept when false: its absence means something else (`tls { enabled = false }`). */
export const keepFlag: Decoder<boolean> = (v, at) => toBool(v, at);

export function list<T>(item: Decoder<T>): Decoder<T[]> {
  return (v, at) => {
    if (!Array.isArray(v)) return at.fail(`must be a list, got ${describe(v)}`);
    const out: T[] = [];
    v.forEach((x, i) => {
      if (x === null || x === undefined) at.index(i).fail('null is not allowed in a list');
      const decoded = item(x, at.index(i));
      if (decoded !== undefined) out.push(decoded);
    });
    return out.length ? out : undefined;
  };
}

export const strList: Decoder<string[]> = list(text);

/** A list of strings each passing `check`. */
export function formattedList(check: (s: string) => string | undefined): Decoder<string[]> {
  return list((v, at) => {
    const s = toText(v, at);
    const problem = check(s);
    if (problem) at.fail(problem);
    return s;
  });
}

export interface MapOptions {
  /** The problem with a key, or undefined. */
  key?: (k: string) => string | undefined;
  /** The problem with a value, or undefined. */
  value?: (v: string, k: string) => string | undefined;
}

/** A map of string values (env, headers, ulimits, build args). */
export function strMap(opts: MapOptions = {}): Decoder<Record<string, string>> {
  return (v, at) => {
    if (!isPlainObject(v)) return at.fail(`must be a map of strings ({ KEY = "value" }), got ${describe(v)}`);
    const out: Record<string, string> = {};
    for (const [k, raw] of Object.entries(v)) {
      const here = at.key(k);
      const keyProblem = opts.key?.(k);
      if (keyProblem) here.fail(keyProblem);
      // HCL's map(string) conversion turns null into "" only for the CLI; the wire wants strings.
      const value = raw === null && at.origin.hcl ? '' : toText(raw, here);
      const valueProblem = opts.value?.(value, k);
      if (valueProblem) here.fail(valueProblem);
      out[k] = value;
    }
    return Object.keys(out).length ? out : undefined;
  };
}

/** Any JSON object, deep-copied (webhook bodies: their shape is the receiver's business). */
export const jsonObject: Decoder<Record<string, unknown>> = (v, at) => {
  if (!isPlainObject(v)) return at.fail(`must be an object ({ key = value }), got ${describe(v)}`);
  return structuredClone(v);
};

export interface RecordOptions {
  /**
   * Accept `_`-prefixed keys (`_asset_digests`, stamped by the server at
   * /apply and read back from the store). The HCL surface refuses them.
   */
  serverKeys?: boolean;
}

/** An object with a fixed set of keys; unknown keys are errors that suggest the closest accepted one. */
export function record<T>(what: string, shape: Shape<T>, opts: RecordOptions = {}): Decoder<T> {
  const accepted = Object.keys(shape);
  return (v, at) => {
    if (!isPlainObject(v)) return at.fail(`must be a block ({ … }), got ${describe(v)}`);
    for (const [k, raw] of Object.entries(v)) {
      // undefined never comes from JSON; it is a JS caller's "not set".
      if (k in shape || raw === undefined) continue;
      if (opts.serverKeys && k.startsWith('_')) {
        if (at.origin.hcl) at.key(k).fail('names starting with "_" are stamped by the server; remove it');
        continue;
      }
      const guess = closest(k, accepted);
      at.key(k).fail(guess ? `unknown field in ${what}; did you mean "${guess}"?` : `unknown field; ${what} accepts ${accepted.join(', ')}`);
    }
    const out: Record<string, unknown> = {};
    for (const k of accepted) {
      const raw = v[k];
      if (raw === undefined || raw === null) continue;
      const decoded = (shape as Record<string, Decoder<unknown>>)[k]!(raw, at.key(k));
      if (decoded !== undefined) out[k] = decoded;
    }
    if (opts.serverKeys) {
      for (const [k, raw] of Object.entries(v)) {
        if (!k.startsWith('_') || k in shape || raw === undefined || raw === null) continue;
        out[k] = k === '_asset_digests' ? strMap()(raw, at.key(k)) : structuredClone(raw);
        if (out[k] === undefined) delete out[k];
      }
    }
    return out as T;
  };
}
