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
import { Transform, type Readable } from 'node:stream';
import { appId, type Manifest } from '../../lib/identity.js';
import type { BuildSpec } from '../../lib/manifest/types.js';
import { BUILDS_PATH, BUILD_CONTENT_TYPE, type BuildInfo, type BuildResult } from '../../modules/build/contract.js';
import type { ControllerClient } from '../client.js';
import type { LoadedManifest } from '../hcl/load.js';
import { packContext, type BuildContext } from './context.js';
import { needsBuild } from './targets.js';


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
    if (!needsBuild(l.manifest)) continue;
    const build = (l.manifest.spec as { build: BuildSpec }).build;
    out.push({ manifest: l.manifest, context: resolve(l.dir, build.context || '.'), build });
  }
  return out;
}

/** One build shared by the workloads with the same context and build settings (a Procfile's processes, say). */
export interface BuildGroup {
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

/** How a build reaches the host: HTTP to the controller here, or `voodu build-context` over SSH. */
export interface BuildTransport {
  /** Whether every app of the group has this build already. */
  has(group: BuildGroup): Promise<boolean>;
  /** Sends the context and follows the build; a failed build throws. */
  send(group: BuildGroup, query: BuildQuery, progress: (line: string) => void): Promise<void>;
}

/** The `POST /builds` parameters of a group. */
export interface BuildQuery {
  scope?: string;
  names: string;
  id: string;
  dockerfile: string;
  target?: string;
  args?: string;
  keep?: number;
}

function queryOf(g: BuildGroup): BuildQuery {
  return {
    ...(g.scope ? { scope: g.scope } : {}),
    names: g.names.join(','),
    id: g.packed.id,
    dockerfile: g.packed.dockerfile,
    ...(g.build.target ? { target: g.build.target } : {}),
    ...(g.build.args && Object.keys(g.build.args).length ? { args: JSON.stringify(g.build.args) } : {}),
    ...(g.keep ? { keep: g.keep } : {}),
  };
}

/** Upload progress at most every this often, and only for a context that takes longer. */
const PROGRESS_EVERY_MS = 2000;

/** `stream` as it is sent, with a `sent 40.0/120.0 MiB` line every couple of seconds while it lasts. */
export function withUploadProgress(stream: Readable, total: number, progress: (line: string) => void, everyMs = PROGRESS_EVERY_MS): Readable {
  let sent = 0;
  let last = Date.now();
  const mib = (n: number) => (n / (1024 * 1024)).toFixed(1);
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      sent += chunk.length;
      const now = Date.now();
      if (now - last >= everyMs && sent < total) {
        last = now;
        progress(`       sent ${mib(sent)}/${mib(total)} MiB`);
      }
      done(null, chunk);
    },
  });
  stream.once('error', (err) => meter.destroy(err));
  return stream.pipe(meter);
}

/** The controller this CLI talks to. */
export function httpTransport(client: ControllerClient): BuildTransport {
  return {
    async has(g) {
      const apps = g.names.map((n) => appId(g.scope, n));
      const known = await Promise.all(apps.map((app) => client.data<BuildInfo>('GET', `${BUILDS_PATH}/${encodeURIComponent(app)}/${g.packed.id}`)));
      return known.every((k) => k.exists);
    },
    async send(g, query, progress) {
      await client.requestWithProgress<{ data: BuildResult }>('POST', BUILDS_PATH, progress, {
        query: { ...query },
        upload: { stream: withUploadProgress(g.packed.stream(), g.packed.bytes, progress), length: g.packed.bytes, contentType: BUILD_CONTENT_TYPE },
        timeoutMs: 0,
      });
    },
  };
}

/** Builds what the host does not have yet, through `transport`, and stamps every target's build ID. */
export async function buildWith(transport: BuildTransport, targets: BuildTarget[], io: BuildIo, env: NodeJS.ProcessEnv): Promise<void> {
  for (const g of await group(targets, env)) {
    const { id } = g.packed;
    const apps = g.names.map((n) => appId(g.scope, n)).join(', ');
    if (await transport.has(g)) {
      io.progress(`-----> ${apps}: build ${id} is already on the host (the context did not change); not rebuilt`);
    } else {
      io.progress(`-----> Sending the build context of ${apps}: ${g.packed.entries} entries, ${(g.packed.bytes / (1024 * 1024)).toFixed(1)} MiB, build ${id}`);
      await transport.send(g, queryOf(g), io.progress);
    }
    stamp(g.targets, id);
  }
}

/** Builds on the controller `client` talks to (see buildWith). */
export function buildForApply(client: ControllerClient, targets: BuildTarget[], io: BuildIo, env: NodeJS.ProcessEnv): Promise<void> {
  return buildWith(httpTransport(client), targets, io, env);
}
