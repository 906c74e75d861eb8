/**
 * `${asset…}` in what a container is made of: image,
 * command, volumes, ports (env values are done by env.ts). The assets are
 * materialised first, so the paths handed to docker exist.
 */
import { ValidationError } from '../../lib/errors.js';
import { type ResourceRef } from '../../lib/identity.js';
import type { Assets } from '../assets/contract.js';
import type { Workload } from './contract.js';

const OPENER = '${asset.';
const REF = /\$\{asset\.[^}]*\}/g;

export interface ResolvedFields {
  image: string;
  command?: string[];
  volumes: string[];
  ports: string[];
}

export async function resolveFields(assets: Assets | undefined, w: Workload): Promise<ResolvedFields> {
  const texts = [w.image, ...(w.command ?? []), ...w.volumes, ...w.ports, ...w.inits.flatMap((i) => [i.image ?? '', ...i.command])];
  if (!texts.some((t) => t.includes(OPENER))) {
    return { image: w.image, ...(w.command ? { command: w.command } : {}), volumes: w.volumes, ports: w.ports };
  }
  if (!assets) {
    throw new ValidationError(`${w.appId}: the spec uses \${asset…}, which needs the assets module; enable it in the module config`);
  }
  await materialiseUsed(assets, texts, w.ref);
  const one = (t: string) => (t.includes(OPENER) ? assets.interpolate(t, w.ref.scope) : Promise.resolve(t));
  const all = (ts: string[]) => Promise.all(ts.map(one));
  return {
    image: await one(w.image),
    ...(w.command ? { command: await all(w.command) } : {}),
    volumes: await all(w.volumes),
    ports: await all(w.ports),
  };
}

/** Interpolates one text the same way (init images and commands). */
export function interpolateText(assets: Assets | undefined, text: string, scope: string): Promise<string> {
  if (!text.includes(OPENER)) return Promise.resolve(text);
  if (!assets) throw new ValidationError(`${JSON.stringify(text)} uses \${asset…}, which needs the assets module; enable it in the module config`);
  return assets.interpolate(text, scope);
}

/** Materialises every asset referenced in `texts`, each once. */
export async function materialiseUsed(assets: Assets, texts: string[], caller: ResourceRef): Promise<void> {
  const seen = new Set<string>();
  for (const text of texts) {
    for (const m of text.matchAll(REF)) {
      const target = await assets.resolveRef(m[0], caller.scope);
      const id = `${target.scope}\0${target.name}`;
      if (seen.has(id)) continue;
      seen.add(id);
      await assets.ensureMaterialised(target.scope, target.name);
    }
  }
}
