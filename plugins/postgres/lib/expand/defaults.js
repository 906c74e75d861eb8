// The statefulset a postgres block runs before its passthrough keys are
// merged in: the image, the pods, the wrapper as command, the
// env the wrapper and docker-entrypoint.sh read, the asset's files and the
// backups directory mounted, a data volume per pod, and a readiness probe.
//
// Readiness: `pg_isready` over TCP on 127.0.0.1. The controller starts pod
// N+1 only when pod N is ready, so this is what makes a standby's first
// boot find its primary accepting connections. TCP, not the socket: during
// initdb the image runs a temporary server that listens on the socket only,
// and it must not count. No liveness probe: a standby copying a large base
// backup does not listen for minutes and must not be killed for it.
// (`health_check` is a path for HTTP checks in our statefulset spec, so the
// reference's `health_check "pg_isready …"` has no place here.)
import { BACKUPS_MOUNT, DEFAULT_PGDATA, backupsHostDir, dnsSuffix } from '../ref.js';
import { ASSET_MOUNTS, DATA_MOUNT, ENTRYPOINT_PATH } from './paths.js';
import { mergeVolumes } from './merge.js';

/**
 * `${asset.<scope>.<name>.<file>}`, or `${asset.<name>.<file>}` unscoped: the
 * asset is named like the resource, as the redis plugin names its own.
 */
export const assetRef = (scope, name, file) => (scope ? '${asset.' + scope + '.' + name + '.' + file + '}' : '${asset.' + name + '.' + file + '}');

/**
 * What the pods publish: the port on the host's loopback (a free host
 * port), or on every interface at the same port once `pg:expose` set
 * PG_EXPOSE_PUBLIC=true. The published form has both ports: a one-colon
 * `0.0.0.0:5432` would read as host-port:container-port.
 * @param {number} port
 * @param {boolean} exposed
 */
export const publishedPorts = (port, exposed) => (exposed ? [`0.0.0.0:${port}:${port}`] : [String(port)]);

/** `exec pg_isready` on the pod's own TCP port; every 3 s until ready. */
export function readinessProbe(user, db, port) {
  return {
    readiness: {
      exec: { command: ['pg_isready', '-q', '-h', '127.0.0.1', '-p', String(port), '-U', user, '-d', db] },
      period: '3s',
      timeout: '5s',
      failure_threshold: 3,
      success_threshold: 1,
    },
  };
}

/**
 * @param {{scope: string, name: string, pg: ReturnType<import('./spec.js').parseSpec>, password?: string, exposed?: boolean, env?: Record<string, string | undefined>}} input
 *   `password`: the block's own (baked into the env); a generated one stays in the bucket.
 */
export function composeDefaults({ scope, name, pg, password = '', exposed = false, env = process.env }) {
  const binds = Object.entries(ASSET_MOUNTS).map(([file, path]) => `${assetRef(scope, name, file)}:${path}:ro`);
  return {
    image: pg.image,
    replicas: pg.replicas,
    // Through bash: asset files are mounted 0644, so the script need not be executable.
    command: ['bash', ENTRYPOINT_PATH],
    env: {
      POSTGRES_USER: pg.user,
      POSTGRES_DB: pg.database,
      ...(password ? { POSTGRES_PASSWORD: password } : {}),
      POSTGRES_INITDB_ARGS: `--locale=${pg.initdb_locale} --encoding=${pg.initdb_encoding}`,
      PGDATA: DEFAULT_PGDATA,
      PG_PORT: String(pg.port),
      // libpq's own default port: psql, pg_dump or pg_isready run inside a pod (docker exec) find the server without -p.
      PGPORT: String(pg.port),
      PG_NAME: name,
      PG_SCOPE_SUFFIX: dnsSuffix(scope),
      PG_REPLICATION_USER: pg.replication_user,
    },
    ports: publishedPorts(pg.port, exposed),
    volumes: mergeVolumes([...binds, `${backupsHostDir(scope, name, env)}:${BACKUPS_MOUNT}:rw`], []),
    volume_claims: [{ name: 'data', mount_path: DATA_MOUNT }],
    probes: readinessProbe(pg.user, pg.database, pg.port),
  };
}
