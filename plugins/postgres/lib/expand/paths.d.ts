// Types for paths.js.
export const ENTRYPOINT_PATH: string;
export const CONF_DIR: string;
export const STREAMING_CONF_PATH: string;
export const OVERRIDES_CONF_PATH: string;
export const INIT_REPLICATION_PATH: string;
export const INIT_INCLUDE_PATH: string;
export const RUNTIME_CONF: string;
export const DATA_MOUNT: string;
export const ASSET_MOUNTS: Readonly<Record<'entrypoint' | 'pg_overrides_conf' | 'streaming_conf' | 'init_replication_sh' | 'init_include_sh', string>>;
