/**
 * asset: `files` maps a key to inline text, a file read by the CLI, or a URL
 * the controller fetches. Keys become file names, so only
 * letters, digits, '_' and '-' are allowed.
 */
import type { At } from '../../lib/manifest/at.js';
import { describe, isPlainObject, record } from '../../lib/manifest/decoders.js';
import { durationProblem } from '../../lib/manifest/durations.js';
import { httpUrlProblem } from '../../lib/manifest/values.js';
import type { KindDefinition } from '../../lib/manifest/kind-registry.js';

export interface AssetFileSource {
  _source: 'file';
  /** base64 of the file's bytes, read by the CLI. */
  content: string;
  filename: string;
}

export interface AssetUrlSource {
  _source: 'url';
  url: string;
  /** Duration; "" → 30s at fetch time. */
  timeout: string;
  /** "error", "stale" or "skip"; "" → stale. */
  on_failure: string;
}

/** A plain string is inline content. */
export type AssetValue = string | AssetFileSource | AssetUrlSource;

export interface AssetSpec {
  files: Record<string, AssetValue>;
}

const KEY = /^[A-Za-z0-9_-]{1,255}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const ON_FAILURE = ['error', 'stale', 'skip'];
const SHAPES = 'use a string, file("path") or url("https://…")';

function assetValue(v: unknown, at: At): AssetValue {
  if (typeof v === 'string') return v;
  if (!isPlainObject(v)) return at.fail(`must be a string, file("path") or url("https://…"), got ${describe(v)}`);
  if (v._source === 'file') {
    const file = record<{ _source: string; content: string; filename: string }>('a file() value', {
      _source: (x) => x as string,
      content: (x, here) => (typeof x === 'string' ? x : here.fail('must be base64 text')),
      filename: (x, here) => (typeof x === 'string' ? x : here.fail('must be a string')),
    })(v, at)!;
    if (file.content === undefined || !BASE64.test(file.content) || file.content.length % 4 !== 0) at.key('content').fail('must be the file\'s bytes in base64');
    if (!file.filename || file.filename.includes('/')) at.key('filename').fail('must be the file\'s base name');
    return { _source: 'file', content: file.content, filename: file.filename };
  }
  if (v._source === 'url') {
    const u = record<{ _source: string; url: string; timeout: string; on_failure: string }>('a url() value', {
      _source: (x) => x as string,
      url: (x, here) => (typeof x === 'string' ? x : here.fail('must be a string')),
      timeout: (x, here) => (typeof x === 'string' ? x : here.fail('must be a duration string')),
      on_failure: (x, here) => (typeof x === 'string' ? x : here.fail('must be a string')),
    })(v, at)!;
    const urlProblem = httpUrlProblem(u.url ?? '');
    if (urlProblem) at.key('url').fail(urlProblem);
    const timeout = u.timeout ?? '';
    const timeoutProblem = timeout ? durationProblem(timeout) : undefined;
    if (timeoutProblem) at.key('timeout').fail(timeoutProblem);
    const onFailure = u.on_failure ?? '';
    if (onFailure && !ON_FAILURE.includes(onFailure)) at.key('on_failure').fail(`${JSON.stringify(onFailure)} is not accepted; use "error", "stale" or "skip"`);
    return { _source: 'url', url: u.url, timeout, on_failure: onFailure };
  }
  return at.fail(SHAPES);
}

export function validateAsset(raw: unknown, at: At): AssetSpec {
  const spec = record<{ files: Record<string, unknown> }>('an asset', {
    files: (v, here) => (isPlainObject(v) ? v : here.fail(`must be a map of key → value; ${SHAPES}`)),
  })(raw, at)!;
  const files: Record<string, AssetValue> = {};
  for (const [key, value] of Object.entries(spec.files ?? {})) {
    const here = at.key('files').key(key, at.origin.hcl ? key : undefined);
    if (!KEY.test(key)) here.fail('is not a valid asset key; use letters, digits, \'_\' or \'-\' (no dots: keys are addressed as ${asset.<name>.<key>})');
    files[key] = assetValue(value, here);
  }
  return { files };
}

export const assetKind: KindDefinition = {
  name: 'asset',
  scope: 'optional',
  summary: 'Files (inline text, a local file read by the CLI, or a URL the controller fetches) that workloads mount or reference as ${asset.<scope>.<name>.<key>}.',
  fields: {
    files: {
      type: 'attributes: `<key> = "text" | file("path") | url("https://…", { … })`',
      doc: 'The block\'s attributes, one file per key (letters, digits, `_` or `-`): inline text, `file("path")` (read by the CLI, relative to the manifest\'s directory) or `url("https://…", { timeout, on_failure })` (fetched by the controller; `timeout` a duration, default `30s`; `on_failure` `error`, `stale` (the default: serve the last good copy) or `skip`). Each is written to `$VOODU_ROOT/assets/<scope>/<name>/<key>` and referenced as `${asset.<scope>.<name>.<key>}` (or `${asset.<name>.<key>}`), and a content change rolls the workloads that use it.',
    },
  },
  defaults: [],
  example: `asset "prod" "web-files" {
  motd       = "hello from voodu"
  robots_txt = url("https://example.com/robots.txt", { on_failure = "skip" })
}
`,
  validate: validateAsset,
  // Assets are addressed as ${asset.<scope>.<name>.<key>}: a dot in a segment would make that ambiguous.
  identityProblem: (scope, name) =>
    scope.includes('.') || name.includes('.')
      ? { field: scope.includes('.') ? 'scope' : 'name', message: "asset scope and name cannot contain '.', since ${asset.<scope>.<name>.<key>} is split on dots" }
      : undefined,
  roles: { prunable: true },
  hcl: { attributesAreFiles: true },
};

export const kinds = [assetKind];
