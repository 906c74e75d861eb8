/**
 * Values of an asset body: a literal string is inline
 * content; `file("path")` is read now, relative to the manifest's
 * directory, and shipped as base64; `url("https://…", { timeout, on_failure })`
 * is fetched later by the controller.
 */
import { readFile } from 'node:fs/promises';
import { basename, isAbsolute, resolve } from 'node:path';
import type { HclJson } from './body.js';
import type { At } from '../../lib/manifest/at.js';
import type { AssetValue } from '../../modules/assets/spec.js';
import { parseCall, type CallValue } from './call.js';
import { restoreLiterals } from './interpolate.js';
import { literalValue, wholeExpression } from './values.js';

const URL_OPTIONS = ['timeout', 'on_failure'];

export async function assetValue(v: HclJson, at: At, baseDir: string): Promise<AssetValue> {
  const expr = wholeExpression(v);
  if (expr === undefined) {
    const literal = literalValue(v, at);
    if (typeof literal !== 'string') at.fail('must be a string, file("path") or url("https://…")');
    return literal;
  }
  const call = parseCall(expr);
  if (!call || (call.name !== 'file' && call.name !== 'url')) {
    return at.fail(`${JSON.stringify(restoreLiterals(expr))} is not supported here; use a string, file("path") or url("https://…")`);
  }
  const args = call.args.map((a) => (typeof a === 'string' ? restoreLiterals(a) : a));
  return call.name === 'file' ? fileValue(args, at, baseDir) : urlValue(args, at);
}

async function fileValue(args: CallValue[], at: At, baseDir: string): Promise<AssetValue> {
  const [path] = args;
  if (args.length !== 1 || typeof path !== 'string' || path === '') at.fail('file() takes one argument, the path: file("./configs/app.conf")');
  const full = isAbsolute(path) ? path : resolve(baseDir, path);
  try {
    const bytes = await readFile(full);
    return { _source: 'file', content: bytes.toString('base64'), filename: basename(full) };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (err as Error).message;
    return at.fail(`file(${JSON.stringify(path)}): ${why} (${full})`);
  }
}

function urlValue(args: CallValue[], at: At): AssetValue {
  const [url, options, ...rest] = args;
  if (typeof url !== 'string' || rest.length) at.fail('url() takes a URL and an optional options object: url("https://…", { timeout = "30s", on_failure = "stale" })');
  let timeout = '';
  let onFailure = '';
  if (options !== undefined) {
    if (typeof options !== 'object') at.fail('url(): the second argument must be an object { timeout = "30s", on_failure = "stale" }');
    for (const [k, value] of Object.entries(options)) {
      if (!URL_OPTIONS.includes(k)) at.fail(`url(): unknown option ${JSON.stringify(k)}; accepted: timeout, on_failure`);
      if (typeof value !== 'string') at.fail(`url(): ${k} must be a string`);
      if (k === 'timeout') timeout = value;
      else onFailure = value;
    }
  }
  return { _source: 'url', url, timeout, on_failure: onFailure };
}
