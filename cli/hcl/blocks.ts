/**
 * One top-level block → its manifests: labels checked by the kind's scope
 * rule, the body converted to the wire spec by the kind's HCL surface,
 * env_file merged, and the result validated by the kind's registered
 * definition (sugar such as `app` expanded first). A block type no kind
 * registered is a plugin block, kept as written for its plugin to expand.
 */
import { ValidationError } from '../../lib/errors.js';
import { formatRef, type Manifest } from '../../lib/identity.js';
import { At } from '../../lib/manifest/at.js';
import { validateManifest, type KindDefinition, type KindRegistry } from '../../lib/manifest/index.js';
import { assetValue } from './asset-values.js';
import { attributes, type HclBody } from './body.js';
import { coreBody } from './core-body.js';
import { mergeEnvFiles } from './env-file.js';
import { pluginBody } from './plugin-body.js';
import type { ScannedBlock } from './scan.js';

export interface Produced {
  manifest: Manifest;
  /** `file:line` of the block that declared it. */
  source: string;
  /** The block as written (`app "prod" "web"`), for messages about collisions. */
  declaredBy: string;
}

function identity(b: ScannedBlock, definition: KindDefinition | undefined, source: string): { scope: string; name: string } {
  const fail = (message: string): never => {
    throw new ValidationError(`${source}: ${message}`, { field: 'labels' });
  };
  const [a = '', c = ''] = b.labels;
  const n = b.labels.length;
  const rule = definition?.scope;
  if (rule === 'required') {
    if (n !== 2) fail(`${b.type} block needs scope and name labels (got ${n}); write ${b.type} "<scope>" "<name>" { … }`);
    if (!a || !c) fail(`${b.type} block: scope and name must both be non-empty`);
    return { scope: a, name: c };
  }
  if (rule === 'forbidden') {
    const example = definition?.hcl?.nameExample ? `, e.g. ${b.type} "${definition.hcl.nameExample}" { … }` : '';
    if (n !== 1) fail(`${b.type} block needs exactly one label (its name), got ${n} — write ${b.type} "name" { … }${example}`);
    if (!a) fail(`${b.type} block: name label must be non-empty — write ${b.type} "name" { … }`);
    return { scope: '', name: a };
  }
  if (rule === 'optional') {
    if (n !== 1 && n !== 2) fail(`${b.type} block takes 1 label (unscoped) or 2 labels (scoped), got ${n}`);
    const [scope, name] = n === 1 ? ['', a] : [a, c];
    if (!name || (n === 2 && !scope)) fail(`${b.type} block: labels must be non-empty`);
    return { scope, name };
  }
  // A plugin block: 0, 1 or 2 labels; with none, the block type is its name.
  if (n > 2) fail(`${b.type} block: too many labels (max 2: scope and name)`);
  const [scope, name] = n === 2 ? [a, c] : ['', n === 1 ? a : b.type];
  if (!name || (n === 2 && !scope)) fail(`${b.type} block: labels must be non-empty`);
  return { scope, name };
}

/** A body flat in HCL but nested on the wire (a cronjob's job fields): every key not kept moves under `under`. */
function nest(flat: Record<string, unknown>, under: string, keep: readonly string[]): Record<string, unknown> {
  const top: Record<string, unknown> = {};
  const inner: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(flat)) (keep.includes(k) ? top : inner)[k] = v;
  return { ...top, [under]: inner };
}

export async function manifestsOfBlock(b: ScannedBlock, body: HclBody, file: string, baseDir: string, kinds: KindRegistry): Promise<Produced[]> {
  const source = `${file}:${b.line}`;
  if (b.type !== b.type.toLowerCase()) {
    throw new ValidationError(`${source}: block types are lowercase; write ${b.type.toLowerCase()} instead of ${b.type}`, { field: 'kind' });
  }
  const definition = kinds.get(b.type);
  const { scope, name } = identity(b, definition, source);
  const at = new At({ source, block: formatRef({ kind: b.type, scope, name }), hcl: true });
  const declaredBy = [b.type, ...b.labels.map((l) => JSON.stringify(l))].join(' ');
  const opts = { source, hcl: true };
  let spec: Record<string, unknown>;
  const surface = definition?.hcl;
  if (!definition) {
    spec = pluginBody(body, b, at, file);
  } else if (surface?.attributesAreFiles) {
    if (b.blocks.length) at.fail(`nested blocks are not supported (${b.type} bodies are flat key = value pairs)`);
    const files: Record<string, unknown> = {};
    for (const a of attributes(body, b)) files[a.name] = await assetValue(a.value, at.key('files').key(a.name, a.name), baseDir);
    spec = { files };
  } else {
    spec = coreBody(body, b, surface?.blocks ?? {}, at, file);
    const under = definition.containerAt;
    if (under && surface?.topKeys) spec = nest(spec, under, surface.topKeys);
    const target = under ? (spec[under] as Record<string, unknown>) : spec;
    if (definition.roles?.envFile) await mergeEnvFiles(target, baseDir, at);
  }
  const manifest: Manifest = { kind: b.type, ...(scope ? { scope } : {}), name, spec };
  const produced = definition?.expand ? definition.expand(manifest, kinds, opts) : [validateManifest(manifest, kinds, opts)];
  return produced.map((m) => ({ manifest: m, source, declaredBy }));
}
