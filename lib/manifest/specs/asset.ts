/**
 * asset: `files` maps a key to inline text, a file read by the CLI, or a URL
 * the controller fetches (core.md §1.8). Keys become file names, so only
 * letters, digits, '_' and '-' are allowed.
 */
import type { At } from '../at.js';
import { describe, isPlainObject, record } from '../decoders.js';
import { durationProblem } from '../durations.js';
import type { AssetSpec, AssetValue } from '../types.js';
import { httpUrlProblem } from '../values.js';

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
