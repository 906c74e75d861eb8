// Where the asset's files are mounted in every pod, and the names the
// entrypoint and the init scripts agree on. One place, so a mount path and
// the script that reads it cannot drift apart.

export const ENTRYPOINT_PATH = '/usr/local/bin/voodu-postgres-entrypoint';
/** Read by every server start through the include_dir line (in file-name order). */
export const CONF_DIR = '/etc/postgresql/conf.d';
export const STREAMING_CONF_PATH = `${CONF_DIR}/voodu-50-streaming.conf`;
export const OVERRIDES_CONF_PATH = `${CONF_DIR}/voodu-99-overrides.conf`;
/** docker-entrypoint.sh runs these (by name order) once, inside initdb's temporary server. */
export const INIT_REPLICATION_PATH = '/docker-entrypoint-initdb.d/00_create_replication.sh';
export const INIT_INCLUDE_PATH = '/docker-entrypoint-initdb.d/01_voodu_include_conf.sh';
/** The per-pod file in $PGDATA the entrypoint rewrites every boot (primary_conninfo on a standby). */
export const RUNTIME_CONF = 'voodu-runtime.conf';
/** The volume claim's mount; PGDATA is a directory inside it so the mount point itself never has to be empty. */
export const DATA_MOUNT = '/var/lib/postgresql/data';

/** Asset file key → where it is mounted. */
export const ASSET_MOUNTS = Object.freeze({
  entrypoint: ENTRYPOINT_PATH,
  pg_overrides_conf: OVERRIDES_CONF_PATH,
  streaming_conf: STREAMING_CONF_PATH,
  init_replication_sh: INIT_REPLICATION_PATH,
  init_include_sh: INIT_INCLUDE_PATH,
});
