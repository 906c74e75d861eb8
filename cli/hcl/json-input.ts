/**
 * `-f - --format json`: one manifest or a list, as `vd apply` forwards them
 * over SSH. No interpolation (the text was interpolated where it was
 * written); env_file is still merged, relative to the working directory.
 */
import { ValidationError } from '../../lib/errors.js';
import { formatRef, type Manifest } from '../../lib/identity.js';
import { At } from '../../lib/manifest/at.js';
import { isPlainObject } from '../../lib/manifest/decoders.js';
import { validateManifest, type KindRegistry } from '../../lib/manifest/index.js';
import type { Produced } from './blocks.js';
import { mergeEnvFiles } from './env-file.js';

export async function manifestsOfJson(text: string, display: string, dir: string, kinds: KindRegistry): Promise<Produced[]> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ValidationError(`${display}: not valid JSON: ${(err as Error).message}`);
  }
  const list = Array.isArray(value) ? value : [value];
  const out: Produced[] = [];
  for (const [i, raw] of list.entries()) {
    const source = Array.isArray(value) ? `${display}[${i}]` : display;
    const opts = { source };
    // Anything that is not a manifest object is validateManifest's to report.
    if (!isPlainObject(raw) || typeof raw.kind !== 'string' || !isPlainObject(raw.spec)) {
      out.push({ manifest: validateManifest(raw, kinds, opts), source, declaredBy: 'manifest' });
      continue;
    }
    const kind = raw.kind.toLowerCase();
    const ref = formatRef({ kind, scope: typeof raw.scope === 'string' ? raw.scope : '', name: String(raw.name) });
    const spec = structuredClone(raw.spec);
    const at = new At({ source, block: ref, hcl: false });
    const definition = kinds.get(kind);
    const under = definition?.containerAt;
    if (definition?.roles?.envFile) {
      // On the wire a nested body (a cronjob's job) carries its own env_file.
      if (!under) await mergeEnvFiles(spec, dir, at);
      else if (isPlainObject(spec[under])) await mergeEnvFiles(spec[under], dir, at.key(under));
    }
    const m = { ...raw, spec } as unknown as Manifest;
    const produced = definition?.expand ? definition.expand(m, kinds, opts) : [validateManifest(m, kinds, opts)];
    out.push(...produced.map((p) => ({ manifest: p, source, declaredBy: ref })));
  }
  return out;
}
