/**
 * One HCL text → its manifests, in source order: variables for `${VAR}`,
 * interpolation, parsing, then each top-level block in turn.
 */
import { ValidationError } from '../../lib/errors.js';
import type { KindRegistry } from '../../lib/manifest/kind-registry.js';
import { nestedBlocks } from './body.js';
import { manifestsOfBlock, type Produced } from './blocks.js';
import { variablesFor, type BucketCache } from './context.js';
import { interpolate } from './interpolate.js';
import { parseHcl } from './parser.js';
import { hclCacheDir } from './hcl-cache.js';
import { scanHcl } from './scan.js';

export interface HclText {
  text: string;
  /** How the file is named in messages (`voodu.hcl`, `<stdin>`). */
  display: string;
  /** Where relative paths in it (file(), env_file) start. */
  dir: string;
}

export async function manifestsOfHcl(
  input: HclText,
  env: Record<string, string | undefined>,
  cache: BucketCache | undefined,
  kinds: KindRegistry,
): Promise<Produced[]> {
  // Editors on some systems start UTF-8 files with a byte-order mark; it is not part of the manifest.
  const raw = input.text.replace(/^\uFEFF/, '');
  const vars = cache ? await variablesFor(raw, scanHcl(raw), env, cache, input.display) : env;
  const text = interpolate(raw, vars, input.display);
  const cacheDir = hclCacheDir(env);
  const parsed = await parseHcl(text, input.display, cacheDir ? { cacheDir } : {});
  const scan = scanHcl(text);
  const top = scan.attributes[0];
  if (top) {
    throw new ValidationError(
      `${input.display}:${top.line}: ${top.name}: attributes are not allowed at the top level; a manifest file holds blocks such as deployment "<scope>" "<name>" { … }`,
      { field: top.name },
    );
  }
  const out: Produced[] = [];
  for (const { scan: block, body } of nestedBlocks(parsed, scan, input.display)) {
    out.push(...(await manifestsOfBlock(block, body, input.display, input.dir, kinds)));
  }
  return out;
}
