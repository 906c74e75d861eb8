/**
 * Env sync for one workload: the app's env file holds
 * manifest env < scope config < app config, with `${ref…}` and `${asset…}`
 * resolved; env_from files are read before it. The manifest env is not
 * passed again as `-e`, so `voodu config set` wins over it, as documented.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { type Logger } from '../../kernel/index.js';
import { TransientError, ValidationError } from '../../lib/errors.js';
import { appId, formatRef } from '../../lib/identity.js';
import type { Assets } from '../assets/contract.js';
import type { ConfigService } from '../config/contract.js';
import type { Paths } from '../paths/contract.js';
import type { Store } from '../store/contract.js';
import type { EnvSync, Workload } from './contract.js';
import type { KindRegistry } from '../../lib/manifest/kind-registry.js';
import { resolveRefs } from './env-refs.js';
import { materialiseUsed } from './interpolate.js';

export interface EnvDeps {
  store: Store;
  kinds: KindRegistry;
  paths: Paths;
  config: ConfigService;
  assets: () => Assets | undefined;
  log: Logger;
}

export async function syncEnv(deps: EnvDeps, w: Workload): Promise<EnvSync> {
  const { scope, name } = w.ref;
  const merged = await deps.config.envFor(scope, name, w.env);
  const resolved: Record<string, string> = {};
  for (const [key, value] of Object.entries(merged)) {
    let v = await resolveRefs(deps.store, deps.kinds, value, scope, key);
    if (v.includes('${asset.')) v = await interpolateAsset(deps, w, v, key);
    resolved[key] = v;
  }
  const own = deps.paths.envFile(w.appId);
  const before = await readText(own);
  await deps.config.writeEnvFile(scope, name, resolved);
  const after = (await readText(own)) ?? '';

  const files: string[] = [];
  const missing: string[] = [];
  const hash = createHash('sha256');
  for (const ref of w.envFrom) {
    const file = deps.paths.envFile(envFromApp(ref, scope));
    const content = await readText(file);
    if (content === undefined) {
      missing.push(ref);
      continue;
    }
    files.push(file);
    hash.update(`${ref}\0${content}\0`);
  }
  if (missing.length) {
    const what = `${formatRef(w.ref)}: env_from ${missing.map((m) => JSON.stringify(m)).join(', ')} has no env file yet`;
    // Every ref missing is most likely an ordering problem (the other app not reconciled yet): worth a retry.
    if (missing.length === w.envFrom.length) throw new TransientError(`${what}; apply the referenced app first or fix the reference`);
    deps.log.warn(`${what}; skipped`);
  }
  files.push(own);
  hash.update(`\0own\0${after}`);
  return { changed: before !== after, hash: hash.digest('hex').slice(0, 16), files, missing };
}

/** `scope/name` → that AppID; a bare `name` is an app of the caller's scope. */
export function envFromApp(ref: string, callerScope: string): string {
  const slash = ref.indexOf('/');
  return slash > 0 ? appId(ref.slice(0, slash), ref.slice(slash + 1)) : appId(callerScope, ref);
}

async function interpolateAsset(deps: EnvDeps, w: Workload, value: string, key: string): Promise<string> {
  const assets = deps.assets();
  if (!assets) {
    throw new ValidationError(`env ${key}: uses \${asset…}, which needs the assets module; enable it in the module config`, { field: `env.${key}` });
  }
  await materialiseUsed(assets, [value], w.ref);
  return assets.interpolate(value, w.ref.scope);
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
