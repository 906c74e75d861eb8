/**
 * One top-level block → its manifests: labels checked per block type
 * (core.md §2.2), the body converted to the wire spec, env_file merged, and
 * the result validated by lib/manifest (`app` expanded into a deployment
 * and an ingress first).
 */
import { ValidationError } from '../../lib/errors.js';
import { formatRef, type Manifest } from '../../lib/identity.js';
import { At } from '../../lib/manifest/at.js';
import { expandApp } from '../../lib/manifest/expand-app.js';
import { APP_KIND, CRONJOB_TOP_KEYS, validateManifest } from '../../lib/manifest/index.js';
import { assetValue } from './asset-values.js';
import { attributes, type HclBody } from './body.js';
import { CORE_BLOCKS, coreBody } from './core-body.js';
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

const TWO_LABELS = new Set(['deployment', 'statefulset', 'ingress', 'job', 'cronjob', APP_KIND]);
const ENV_FILE_KINDS = new Set(['deployment', 'statefulset', 'job', APP_KIND]);

function identity(b: ScannedBlock, source: string): { scope: string; name: string } {
  const fail = (message: string): never => {
    throw new ValidationError(`${source}: ${message}`, { field: 'labels' });
  };
  const [a = '', c = ''] = b.labels;
  const n = b.labels.length;
  if (TWO_LABELS.has(b.type)) {
    if (n !== 2) fail(`${b.type} block needs scope and name labels (got ${n}); write ${b.type} "<scope>" "<name>" { … }`);
    if (!a || !c) fail(`${b.type} block: scope and name must both be non-empty`);
    return { scope: a, name: c };
  }
  if (b.type === 'registry') {
    if (n !== 1) fail(`registry block needs exactly one label (its name), got ${n} — write registry "name" { … }, e.g. registry "ghcr" { … }`);
    if (!a) fail('registry block: name label must be non-empty — write registry "name" { … }');
    return { scope: '', name: a };
  }
  if (b.type === 'asset') {
    if (n !== 1 && n !== 2) fail(`asset block takes 1 label (unscoped) or 2 labels (scoped), got ${n}`);
    const [scope, name] = n === 1 ? ['', a] : [a, c];
    if (!name || (n === 2 && !scope)) fail('asset block: labels must be non-empty');
    return { scope, name };
  }
  if (n > 2) fail(`${b.type} block: too many labels (max 2: scope and name)`);
  const [scope, name] = n === 2 ? [a, c] : ['', n === 1 ? a : b.type];
  if (!name || (n === 2 && !scope)) fail(`${b.type} block: labels must be non-empty`);
  return { scope, name };
}

/** A cronjob's HCL body is flat; on the wire the job's fields live under `job`. */
function nestCronJob(flat: Record<string, unknown>): Record<string, unknown> {
  const top: Record<string, unknown> = {};
  const job: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(flat)) ((CRONJOB_TOP_KEYS as readonly string[]).includes(k) ? top : job)[k] = v;
  return { ...top, job };
}

export async function manifestsOfBlock(b: ScannedBlock, body: HclBody, file: string, baseDir: string): Promise<Produced[]> {
  const source = `${file}:${b.line}`;
  if (b.type !== b.type.toLowerCase()) {
    throw new ValidationError(`${source}: block types are lowercase; write ${b.type.toLowerCase()} instead of ${b.type}`, { field: 'kind' });
  }
  const { scope, name } = identity(b, source);
  const at = new At({ source, block: formatRef({ kind: b.type, scope, name }), hcl: true });
  const declaredBy = [b.type, ...b.labels.map((l) => JSON.stringify(l))].join(' ');
  const opts = { source, hcl: true };
  let spec: Record<string, unknown>;
  if (b.type === 'asset') {
    if (b.blocks.length) at.fail('nested blocks are not supported (asset bodies are flat key = value pairs)');
    const files: Record<string, unknown> = {};
    for (const a of attributes(body, b)) files[a.name] = await assetValue(a.value, at.key('files').key(a.name, a.name), baseDir);
    spec = { files };
  } else if (CORE_BLOCKS[b.type]) {
    spec = coreBody(body, b, CORE_BLOCKS[b.type]!, at, file);
    if (b.type === 'cronjob') spec = nestCronJob(spec);
    const target = b.type === 'cronjob' ? (spec.job as Record<string, unknown>) : spec;
    if (ENV_FILE_KINDS.has(b.type) || b.type === 'cronjob') await mergeEnvFiles(target, baseDir, at);
  } else {
    spec = pluginBody(body, b, at, file);
  }
  const manifest: Manifest = { kind: b.type, ...(scope ? { scope } : {}), name, spec };
  const produced = b.type === APP_KIND ? expandApp(manifest, opts) : [validateManifest(manifest, opts)];
  return produced.map((m) => ({ manifest: m, source, declaredBy }));
}
