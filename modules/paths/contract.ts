/**
 * The `paths` service: the `$VOODU_ROOT` layout.
 * Every module asks here instead of joining paths of its own.
 */
export interface Paths {
  root: string;
  /** Embedded etcd data dir. */
  state: string;
  plugins: string;
  apps: string;
  volumes: string;
  assets: string;
  cache: string;
  /** `apps/<appId>` */
  appDir(appId: string): string;
  /** `apps/<appId>/shared/.env` — the env file every container of the app gets. */
  envFile(appId: string): string;
  /** `volumes/<appId>` */
  volumeDir(appId: string): string;
  /** `assets/<scope>/<name>` or `assets/<name>` when unscoped. */
  assetDir(scope: string, name: string): string;
  pluginDir(name: string): string;
}

declare module '../../kernel/services.js' {
  interface ServiceMap {
    paths: Paths;
  }
}
