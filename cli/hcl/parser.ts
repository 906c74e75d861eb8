/**
 * hcl2-json-parser, loaded on first use and kept: importing it costs over
 * half a second and ~110 MiB, so nothing imports it until a manifest needs
 * parsing. Its GopherJS bundle changes the process on import
 * (`Error.stackTraceLimit = Infinity`, `globalThis.require`, `globalThis.fs`);
 * those are put back so the rest of the CLI never sees them. Its rejections
 * are plain strings; they become ValidationErrors with file, line and column.
 *
 * A text parsed once is not parsed again: its JSON is kept under the CLI's
 * cache directory by the text's sha256 (hcl-cache.ts), so re-applying an
 * unchanged file never even imports the parser.
 */
import type { HclJson } from './body.js';
import { readCachedParse, writeCachedParse } from './hcl-cache.js';
import { ValidationError } from '../../lib/errors.js';
import { restoreLiterals } from './interpolate.js';

export type HclObject = { [key: string]: HclJson };
type Parse = (text: string) => Promise<HclObject>;

let loading: Promise<Parse> | undefined;

/** Runs `fn` and undoes the process-wide changes the parser makes. */
async function isolated<T>(fn: () => Promise<T>): Promise<T> {
  const g = globalThis as Record<string, unknown>;
  const limit = Error.stackTraceLimit;
  const hadRequire = 'require' in g;
  const hadFs = 'fs' in g;
  try {
    return await fn();
  } finally {
    Error.stackTraceLimit = limit;
    if (!hadRequire) delete g.require;
    if (!hadFs) delete g.fs;
  }
}

function loadParser(): Promise<Parse> {
  loading ??= isolated(async () => {
    const { default: hcl } = await import('hcl2-json-parser');
    return (text: string) => hcl.parseToObject(text);
  });
  return loading;
}

/** Whether this process imported the parser (the cache test asks). */
export const parserLoaded = (): boolean => loading !== undefined;

/** `cacheDir`: where parses are kept (see hcl-cache.ts); none, no cache. A text that fails to parse is never cached. */
export async function parseHcl(text: string, source: string, options: { cacheDir?: string } = {}): Promise<HclObject> {
  const cached = options.cacheDir ? await readCachedParse(options.cacheDir, text) : undefined;
  if (cached) return cached as HclObject;
  const parse = await loadParser();
  let parsed: HclObject;
  try {
    parsed = await isolated(() => parse(text));
  } catch (err) {
    throw syntaxError(err, source);
  }
  if (options.cacheDir) await writeCachedParse(options.cacheDir, text, parsed);
  return parsed;
}

/** `parse config: [:6,17-7,1: Summary; Detail. :9,1-2: …]` → `voodu.hcl:6:17: Summary; Detail.` */
export function syntaxError(err: unknown, source: string): ValidationError {
  const text = restoreLiterals(typeof err === 'string' ? err : err instanceof Error ? err.message : String(err));
  const diagnostics = [...text.matchAll(/:(\d+),(\d+)-(?:\d+,)?\d+: (.*?)(?= :\d+,\d+-(?:\d+,)?\d+: |\]$|$)/gs)];
  const first = diagnostics[0];
  if (first) {
    const more = diagnostics.length > 1 ? ` (and ${diagnostics.length - 1} more problem${diagnostics.length > 2 ? 's' : ''})` : '';
    return new ValidationError(`${source}:${first[1]}:${first[2]}: ${first[3]!.trim()}${more}`);
  }
  if (text.includes('Unable to convert Block to JSON')) {
    const what = /Unable to convert Block to JSON: (\S+)/.exec(text)?.[1] ?? '';
    return new ValidationError(
      `${source}: blocks ${what ? `like ${JSON.stringify(what)} ` : ''}cannot be read: blocks of one type must all have the same number of labels, and a name cannot be both a block and an attribute`,
    );
  }
  return new ValidationError(`${source}: ${text}`);
}
