/**
 * Reading an asset manifest: identity, keys and the three value shapes the
 * CLI produces for `spec.files`. Everything is checked
 * here, so the rest of the module works on trusted values.
 */
import { ValidationError } from '../../lib/errors.js';
import { assertSegment, formatRef, type Manifest } from '../../lib/identity.js';
import { parseDuration } from './duration.js';

/**
 * What happens when a url() fetch fails (see content.ts for the exact
 * behaviour of each): `error` fails, `stale` falls back to an older copy,
 * `skip` leaves the key out.
 */
export type OnFailure = 'error' | 'stale' | 'skip';

export type AssetSource =
  | { type: 'inline'; bytes: Buffer }
  | { type: 'file'; bytes: Buffer; filename: string }
  | { type: 'url'; url: string; timeoutMs: number; onFailure: OnFailure };

export interface AssetFile {
  key: string;
  source: AssetSource;
}

export interface ParsedAsset {
  scope: string;
  name: string;
  /** `asset/<scope>/<name>` — the prefix of every message about this asset. */
  label: string;
  files: AssetFile[];
}

/** Keys name files: letters, digits, '_' and '-' only, so no key can be '.', '..' or contain '/'. */
const KEY = /^[A-Za-z0-9_-]{1,255}$/;
const DEFAULT_TIMEOUT_MS = 30_000;
/** A url() fetch holds up an apply; longer than this is a mistake, not a slow server. */
const MAX_TIMEOUT_MS = 10 * 60_000;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const SHAPES =
  'accepted: a string (inline content), {"_source":"file","content":"<base64>","filename":"…"} or {"_source":"url","url":"http(s)://…","timeout":"30s","on_failure":"error|stale|skip"}';

export function isValidKey(key: string): boolean {
  return KEY.test(key);
}

export function assertKey(key: unknown, label: string): asserts key is string {
  if (typeof key !== 'string' || !KEY.test(key)) {
    throw new ValidationError(
      `${label}: files key ${JSON.stringify(key)} is not a valid asset key; use 1-255 letters, digits, '_' or '-' (no dots or slashes)`,
      { field: `files.${String(key)}` },
    );
  }
}

export function assetLabel(scope: string, name: string): string {
  return formatRef({ kind: 'asset', scope, name });
}

/** Validates an asset manifest and decodes its values; every error names the asset and the field. */
export function parseAsset(m: Manifest): ParsedAsset {
  const scope = m.scope ?? '';
  if (scope !== '') assertSegment(scope, 'asset scope');
  assertSegment(m.name, 'asset name');
  const label = assetLabel(scope, m.name);
  const spec = m.spec as unknown;
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    throw new ValidationError(`${label}: spec must be an object with a "files" map`, { field: 'spec' });
  }
  const raw = (spec as Record<string, unknown>)['files'] ?? {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ValidationError(`${label}: spec.files must be a map of key → value; ${SHAPES}`, { field: 'spec.files' });
  }
  const files: AssetFile[] = [];
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    assertKey(key, label);
    files.push({ key, source: parseValue(value, `${label}: files.${key}`) });
  }
  return { scope, name: m.name, label, files };
}

function parseValue(value: unknown, where: string): AssetSource {
  if (typeof value === 'string') return { type: 'inline', bytes: Buffer.from(value, 'utf8') };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ValidationError(`${where}: ${describe(value)} is not an asset value; ${SHAPES}`, { field: where });
  }
  const v = value as Record<string, unknown>;
  if (v['_source'] === 'file') {
    const content = v['content'];
    if (typeof content !== 'string' || !BASE64.test(content.replace(/\s+/g, ''))) {
      throw new ValidationError(`${where}: file() value needs "content" as base64 text; ${SHAPES}`, { field: where });
    }
    const filename = typeof v['filename'] === 'string' ? v['filename'] : '';
    return { type: 'file', bytes: Buffer.from(content, 'base64'), filename };
  }
  if (v['_source'] === 'url') return parseUrlValue(v, where);
  throw new ValidationError(`${where}: object without "_source" of "file" or "url"; ${SHAPES}`, { field: where });
}

function parseUrlValue(v: Record<string, unknown>, where: string): AssetSource {
  const url = v['url'];
  if (typeof url !== 'string' || url === '') {
    throw new ValidationError(`${where}: url() value needs a non-empty "url"; ${SHAPES}`, { field: where });
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ValidationError(`${where}: ${JSON.stringify(url)} is not a URL`, { field: where });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ValidationError(`${where}: url scheme "${parsed.protocol.replace(/:$/, '')}" is not allowed; only http and https URLs are fetched`, {
      field: where,
    });
  }
  // The CLI sends "" for options the user did not give.
  const timeout = v['timeout'] ?? '';
  let timeoutMs = DEFAULT_TIMEOUT_MS;
  if (timeout !== '') {
    const ms = typeof timeout === 'string' ? parseDuration(timeout) : undefined;
    if (ms === undefined || ms <= 0 || ms > MAX_TIMEOUT_MS) {
      throw new ValidationError(`${where}: timeout ${JSON.stringify(timeout)} is not a duration between 1ms and 10m (e.g. "30s", "1m30s")`, {
        field: `${where}.timeout`,
      });
    }
    timeoutMs = ms;
  }
  const onFailure = v['on_failure'] ?? '';
  if (onFailure !== '' && onFailure !== 'error' && onFailure !== 'stale' && onFailure !== 'skip') {
    throw new ValidationError(`${where}: on_failure ${JSON.stringify(onFailure)} is not one of "error", "stale" (default), "skip"`, {
      field: `${where}.on_failure`,
    });
  }
  return { type: 'url', url, timeoutMs, onFailure: onFailure === '' ? 'stale' : onFailure };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return `a ${typeof value}`;
}
