/**
 * The `build` module: build mode on the host. `POST /builds` receives a
 * context tar (streamed to disk, hashed, capped), builds it with the engine
 * (`<app>:<buildId>` and `<app>:latest` for every app it is for), keeps the
 * context as the release dir `apps/<app>/releases/<buildId>/`, and collects
 * releases past `keep_releases`. The build log streams back as NDJSON
 * progress lines while it runs. `GET /builds/:app/:id` answers whether a
 * build exists, so the CLI skips the upload of an unchanged context.
 * The `builds` service lets workload modules point `current` at what runs.
 */
import { createReadStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { defineModule } from '../../kernel/index.js';
import { ValidationError, messageOf, statusOf } from '../../lib/errors.js';
import { KeyedLock } from '../../lib/keyed-lock.js';
import { BUILD_ID, segmentProblem } from '../../lib/manifest/values.js';
import { buildImageRef } from '../../lib/resource-names.js';
import '../api/contract.js';
import '../paths/contract.js';
import '../runtime/contract.js';
import {
  BUILDS_PATH,
  BUILD_INFO_PATH,
  BUILD_CONTENT_TYPE,
  DEFAULT_KEEP_RELEASES,
  DEFAULT_MAX_CONTEXT_BYTES,
  type BuildInfo,
  type BuildResult,
  type Builds,
} from './contract.js';
import { runPostDeploy } from './post-deploy.js';
import { parseBuildQuery } from './query.js';
import { receiveContext } from './receive.js';
import { currentRelease, extractRelease, listReleases, pointCurrent, releasesDir, releasesToCollect, removeLeftovers, removeRelease } from './releases.js';

export interface BuildOptions {
  /** Largest context `POST /builds` accepts, in bytes. Default 500 MiB. */
  maxContextBytes?: number;
}

/** The build log's lines, indented under the `-----> ` banners as the release log is. */
const INDENT = '       ';

const mib = (bytes: number) => (bytes / (1024 * 1024)).toFixed(1);

export default defineModule<BuildOptions>({
  name: 'build',
  description: 'Build mode: contexts uploaded by `voodu apply`, built on this host into `<app>:<buildId>`, kept as release dirs',
  requires: ['api', 'paths', 'runtime'],
  provides: ['builds'],
  register(ctx) {
    const api = ctx.service('api');
    const paths = ctx.service('paths');
    const runtime = ctx.service('runtime');
    const maxBytes = ctx.options.maxContextBytes ?? DEFAULT_MAX_CONTEXT_BYTES;
    if (!Number.isInteger(maxBytes) || maxBytes < 1) throw new ValidationError('build.maxContextBytes: must be a positive whole number of bytes', { field: 'maxContextBytes' });

    // One build per app at a time: a second waits (its release dir, tags and collection would race).
    const perApp = new KeyedLock();

    const builds: Builds = {
      async activate(appId, buildId, postDeploy = []) {
        if (!BUILD_ID.test(buildId)) return;
        const dir = paths.appDir(appId);
        await perApp.run(appId, async () => {
          if ((await currentRelease(dir)) === buildId) return;
          const exists = (await listReleases(dir)).some((r) => r.id === buildId);
          if (!exists) return;
          await pointCurrent(dir, buildId);
          ctx.log.info(`${appId}: current is release ${buildId}`);
          if (postDeploy.length) {
            const run = { app: appId, buildId, releaseDir: join(releasesDir(dir), buildId), commands: postDeploy };
            void runPostDeploy(run, ctx.log).catch((err) => ctx.log.warn(`${appId}: post_deploy: ${messageOf(err)}`));
          }
        });
      },
      current: (appId) => currentRelease(paths.appDir(appId)),
      async forget(appId) {
        const tags = (await runtime.imageTags(appId)).filter(({ tag }) => BUILD_ID.test(tag) || tag === 'latest');
        // Forced: a replica still draining keeps the image's layers until it goes, never the names.
        for (const { tag } of tags) await runtime.untagImage(`${appId}:${tag}`, { force: true });
        return tags.map(({ tag }) => `${appId}:${tag}`);
      },
    };
    ctx.provide('builds', builds);

    api.route('GET', BUILD_INFO_PATH, async (req): Promise<BuildInfo> => {
      const { app, id } = req.params as { app: string; id: string };
      if (segmentProblem(app)) throw new ValidationError(`app: ${segmentProblem(app)}`, { field: 'app' });
      if (!BUILD_ID.test(id)) throw new ValidationError(`id: ${JSON.stringify(id)} is not a build ID`, { field: 'id' });
      const image = buildImageRef(app, id);
      return { app, id, image, exists: (await runtime.imageId(image)) !== undefined };
    });

    /** Releases past `keep` go, dirs and tags, never `current` nor the build just made. */
    async function collect(app: string, keep: number, built: string): Promise<string[]> {
      const dir = paths.appDir(app);
      const releases = await listReleases(dir);
      const gone = releasesToCollect(releases, keep, [await currentRelease(dir), built]);
      const kept = new Set(releases.map((r) => r.id).filter((id) => !gone.includes(id)));
      for (const id of gone) await removeRelease(dir, id);
      // Tags of builds whose dir went (now or before): an image a container still uses stays (the engine refuses).
      const tags = await runtime.imageTags(app).catch(() => []);
      for (const { tag } of tags) if (BUILD_ID.test(tag) && !kept.has(tag)) await runtime.untagImage(`${app}:${tag}`);
      return gone;
    }

    api.raw(
      'POST',
      BUILDS_PATH,
      async (req, raw) => {
        const build = parseBuildQuery(req.query, DEFAULT_KEEP_RELEASES);
        const primary = build.apps[0]!;
        const appDir = paths.appDir(primary);
        await perApp.run(primary, async () => {
          await mkdir(releasesDir(appDir), { recursive: true, mode: 0o755 });
          await removeLeftovers(appDir);
          const upload = join(releasesDir(appDir), `.upload-${build.id}-${randomBytes(3).toString('hex')}.tar`);
          try {
            let received;
            try {
              received = await receiveContext(raw.req, upload, { maxBytes, buildId: build.id, signal: req.signal });
            } catch (err) {
              // The client may still be sending: answer, then drop the connection rather than read the rest.
              raw.res.once('finish', () => raw.req.destroy());
              throw err;
            }
            const out = raw.progress();
            const seconds = received.ms / 1000;
            out.line(`-----> Received the context: ${mib(received.bytes)} MiB in ${seconds.toFixed(1)} s${seconds > 0 ? ` (${(received.bytes / (1024 * 1024) / seconds).toFixed(1)} MiB/s)` : ''}`);
            const tags = build.apps.flatMap((app) => [buildImageRef(app, build.id), `${app}:latest`]);
            out.line(`-----> Building ${tags[0]}`);
            const started = Date.now();
            try {
              const { imageId } = await runtime.buildImage(
                createReadStream(upload),
                {
                  tags,
                  ...(build.dockerfile ? { dockerfile: build.dockerfile } : {}),
                  ...(build.target ? { target: build.target } : {}),
                  args: build.args,
                  signal: req.signal,
                },
                (line) => out.line(`${INDENT}${line}`),
              );
              const buildMs = Date.now() - started;
              out.line(`-----> Built ${tags.filter((_, i) => i % 2 === 0).join(', ')} in ${(buildMs / 1000).toFixed(1)} s`);
              const collected: string[] = [];
              for (const app of build.apps) {
                await extractRelease(paths.appDir(app), build.id, upload);
                collected.push(...(await collect(app, build.keep, build.id)).map((id) => `${app}/${id}`));
              }
              if (collected.length) out.line(`-----> Collected ${collected.length} old release(s) past keep_releases = ${build.keep}: ${collected.join(', ')}`);
              const result: BuildResult = {
                id: build.id,
                images: tags,
                image_id: imageId,
                upload_bytes: received.bytes,
                upload_ms: received.ms,
                build_ms: buildMs,
                collected,
              };
              ctx.log.info(`built ${tags[0]} (${mib(received.bytes)} MiB context) in ${(buildMs / 1000).toFixed(1)} s`);
              out.finish(200, { status: 'ok', data: result });
            } catch (err) {
              ctx.log.warn(`build of ${tags[0]} failed: ${messageOf(err)}`);
              out.finish(statusOf(err), { status: 'error', error: messageOf(err) });
            }
          } finally {
            await rm(upload, { force: true });
          }
        });
      },
      { bodyTypes: [BUILD_CONTENT_TYPE] },
    );

    return {};
  },
});

