/**
 * Build mode on the wire: `POST /builds` takes a build context as a tar
 * stream and builds it on this host; `GET /builds/:app/:id` says whether a
 * build already exists, so an unchanged context is not even sent. Types and
 * constants only: the CLI imports this file.
 */

export const BUILDS_PATH = '/builds';
/** Whether a build exists on this host. */
export const BUILD_INFO_PATH = '/builds/:app/:id';

/** The tar's content type; the route takes nothing else. */
export const BUILD_CONTENT_TYPE = 'application/x-tar';

/** Exit code of `voodu build-context --check` when the host lacks the build. */
export const BUILD_MISSING_EXIT = 3;

/** Default upload cap of `POST /builds` (module option `build.maxContextBytes`). */
export const DEFAULT_MAX_CONTEXT_BYTES = 500 * 1024 * 1024;

/** Release dirs (and their images) kept per app when the workload does not say (`keep_releases`). */
export const DEFAULT_KEEP_RELEASES = 5;


/** `GET /builds/:app/:id` */
export interface BuildInfo {
  app: string;
  id: string;
  image: string;
  exists: boolean;
}

/** The `data` of a finished `POST /builds`. */
export interface BuildResult {
  id: string;
  /** Every image tagged: `<app>:<id>` and `<app>:latest` for each app built. */
  images: string[];
  image_id: string;
  /** Upload and build, separately. */
  upload_bytes: number;
  upload_ms: number;
  build_ms: number;
  /** Release dirs removed by `keep_releases`. */
  collected: string[];
}

/** The `builds` service: what a workload module asks of build mode. */
export interface Builds {
  /**
   * Points the app's `current` at a build that now runs (no-op when its
   * release dir is gone, or `current` points there already); the first time,
   * its `postDeploy` commands run on the host, in the release dir, in the
   * background.
   */
  activate(appId: string, buildId: string, postDeploy?: string[]): Promise<void>;
  /** The build `current` points at. */
  current(appId: string): Promise<string | undefined>;
  /** Drops every build tag of an app that is gone for good (a pruned delete); the names of the tags removed. */
  forget(appId: string): Promise<string[]>;
}

declare module '../../kernel/services.js' {
  interface ServiceMap {
    builds: Builds;
  }
}
