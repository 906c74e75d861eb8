/**
 * The `assets` service: where an asset's files live, how `${asset…}`
 * references resolve, and materialisation on demand for consumers that are
 * about to start containers.
 *
 * Asset identity is (scope, name); scope is '' for an unscoped asset. Files
 * live at `paths.assetDir(scope, name)/<key>`, status at
 * `/status/assets/<appId(scope, name)>`.
 */

/** `/status/assets/<appId>`: what the last materialisation left on disk. */
export interface AssetStatus {
  /** key → sha256 hex of the file on disk. */
  files: Record<string, string>;
  /** key → why that key has no fresh content (stale copy used, skipped, failed). */
  errors: Record<string, string>;
  /** ISO-8601 time of the materialisation that wrote this status. */
  materialised_at: string;
}

/** One resolved `${asset…}` reference. */
export interface ResolvedAssetRef {
  /** Scope of the asset the reference landed on ('' for an unscoped asset). */
  scope: string;
  name: string;
  key: string;
  /** Absolute path of the key's file. */
  path: string;
}

export interface Assets {
  /**
   * Absolute path of `key` in asset (scope, name). Validates every segment
   * (ValidationError), so the result never leaves the assets root. Does not
   * touch the disk.
   */
  pathOf(scope: string, name: string, key: string): string;
  /**
   * Resolves `${asset.name.key}` or `${asset.scope.name.key}` (the bare
   * `depends_on` forms `name.key` / `scope.name.key` too) for a consumer in
   * `callerScope`.
   *
   * The two-segment form means the caller's own scope's asset `name` when
   * that asset exists (is stored), else the unscoped asset `name`. Existence
   * decides, not the key: if the scoped asset exists but lacks the key, the
   * reference does not fall through to the unscoped one.
   *
   * NotFoundError when the asset does not exist or does not declare the key;
   * ValidationError when `ref` is not a reference.
   */
  resolveRef(ref: string, callerScope: string): Promise<ResolvedAssetRef>;
  /** Replaces every `${asset…}` reference in `text` with its path (same rules as resolveRef). */
  interpolate(text: string, callerScope: string): Promise<string>;
  /**
   * Materialises (scope, name) from the stored manifest unless the files on
   * disk already match its status. Consumers call this before creating
   * containers. NotFoundError when no such asset is stored; TransientError
   * when its content cannot be had right now.
   */
  ensureMaterialised(scope: string, name: string): Promise<AssetStatus>;
  /** The stored status, or undefined before the first materialisation. */
  status(scope: string, name: string): Promise<AssetStatus | undefined>;
}

declare module '../../kernel/services.js' {
  interface ServiceMap {
    assets: Assets;
  }
}
