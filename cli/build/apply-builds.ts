/**
 * Build mode, the CLI's half: before `voodu apply` sends its manifests,
 * every workload with `build {}` and no `image` has its context packed and
 * hashed (cli/build/context.ts). A build ID the host already has is not
 * sent again; otherwise the tar streams to `POST /builds` and the build log
 * streams back as it runs. The ID is then stamped on the spec
 * (`build.id`), so the replicas run `<app>:<buildId>` and a changed context
 * rolls them like any other change. `voodu diff` stamps the ID without
 * building, so it shows a change exactly when the source changed.
 */
import { resolve } from 'node:path';
import { appId, type Manifest } from '../../lib/identity.js';
import type { BuildSpec } from '../../lib/manifest/types.js';
import { BUILDS_PATH, BUILD_CONTENT_TYPE, type BuildInfo, type BuildResult } from '../../modules/build/contract.js';
import type { ControllerClient } from '../client.js';
import type { LoadedManifest } from '../hcl/load.js';
import { packContext, type BuildContext } from './context.js';

/** Kinds whose containers can run a build (a job: a Procfile's release process, say). */
const BUILDABLE = new Set(['deployment', 'statefulset', 'job']);

export interface BuildTarget {
  manifest: Manifest;
  /** The context directory, absolute. */
  context: string;
  build: BuildSpec;
}

/** The manifests `apply` must build for, with their context resolved from the manifest's directory. */
export function buildTargets(loaded: LoadedManifest[]): BuildTarget[] {
  const out: BuildTarget[] = [];
  for (const l of loaded) {
    const spec = (l.manifest.spec ?? {}) as { image?: string; build?: BuildSpec };
    if (!BUILDABLE.has(l.manifest.kind) || spec.image || !spec.build) continue;
    out.push({ manifest: l.manifest, context: resolve(l.dir, spec.build.context || '.'), build: spec.build });
  }
  return out;
}

/** One build shared by the workloads with the same context and build settings (a Procfile's processes, say). */
interface BuildGroup {
  scope: string;
  names: string[];
  targets: BuildTarget[];
  packed: BuildContext;
  build: BuildSpec;
  keep?: number;
}

async function group(targets: BuildTarget[], env: NodeJS.ProcessEnv): Promise<BuildGroup[]> {
  const packs = new Map<string, Promise<BuildContext>>();
  const groups = new Map<string, BuildGroup>();
  for (const t of targets) {
    const packKey = JSON.stringify([t.context, t.build.dockerfile ?? '']);
    let pack = packs.get(packKey);
    if (!pack) {
      pack = packContext(t.context, { ...(t.build.dockerfile ? { dockerfile: t.build.dockerfile } : {}), env });
      packs.set(packKey, pack);
    }
    const packed = await pack;
    const scope = t.manifest.scope ?? '';
    const key = JSON.stringify([scope, packed.id, t.build.dockerfile ?? '', t.build.target ?? '', t.build.args ?? {}]);
    const keep = (t.manifest.spec as { keep_releases?: number } | undefined)?.keep_releases;
    const g = groups.get(key);
    if (g) {
      g.names.push(t.manifest.name);
      g.targets.push(t);
    } else {
      groups.set(key, { scope, names: [t.manifest.name], targets: [t], packed, build: t.build, ...(keep ? { keep } : {}) });
    }
  }
  return [...groups.values()];
}

function stamp(targets: BuildTarget[], id: string): void {
  for (const t of targets) (t.manifest.spec as { build: BuildSpec }).build = { ...t.build, id };
}

/** `voodu diff`: the build IDs the apply would run, without building anything. */
export async function stampBuildIds(targets: BuildTarget[], env: NodeJS.ProcessEnv): Promise<void> {
  for (const g of await group(targets, env)) stamp(g.targets, g.packed.id);
}

export interface BuildIo {
  /** Progress lines (the build log): stderr, so `-o json` keeps stdout clean. */
  progress(line: string): void;
}

/** Builds what is not built yet (on the host the client talks to) and stamps every target's build ID. */
export async function buildForApply(client: ControllerClient, targets: BuildTarget[], io: BuildIo, env: NodeJS.ProcessEnv): Promise<BuildResult[]> {
  const results: BuildResult[] = [];
  for (const g of await group(targets, env)) {
    const { id } = g.packed;
    const apps = g.names.map((n) => appId(g.scope, n));
    const known = await Promise.all(apps.map((app) => client.data<BuildInfo>('GET', `${BUILDS_PATH}/${encodeURIComponent(app)}/${id}`)));
    if (known.every((k) => k.exists)) {
      io.progress(`-----> ${apps.join(', ')}: build ${id} is already on the host (the context did not change); not rebuilt`);
      stamp(g.targets, id);
      continue;
    }
    io.progress(`-----> Sending the build context of ${apps.join(', ')}: ${g.packed.entries} entries, ${(g.packed.bytes / (1024 * 1024)).toFixed(1)} MiB, build ${id}`);
    const answer = await client.requestWithProgress<{ data: BuildResult }>('POST', BUILDS_PATH, io.progress, {
      query: {
        scope: g.scope || undefined,
        names: g.names.join(','),
        id,
        dockerfile: g.packed.dockerfile,
        target: g.build.target,
        args: g.build.args && Object.keys(g.build.args).length ? JSON.stringify(g.build.args) : undefined,
        keep: g.keep,
      },
      upload: { stream: g.packed.stream(), length: g.packed.bytes, contentType: BUILD_CONTENT_TYPE },
      timeoutMs: 0,
    });
    results.push(answer.data);
    stamp(g.targets, id);
  }
  return results;
}
