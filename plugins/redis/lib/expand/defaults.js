// What a bare `redis "scope" "name" {}` block runs: the image, one pod, the
// redis.conf and the entrypoint mounted from the resource's asset, a data
// volume per pod, and probes (TCP liveness; `redis-cli ping` readiness,
// which also catches a pod still loading its dataset).

export const DEFAULT_IMAGE = 'redis:7-alpine';
export const CONF_PATH = '/etc/redis/redis.conf';
export const ENTRYPOINT_PATH = '/usr/local/bin/voodu-redis-entrypoint';
export const DATA_DIR = '/data';

/** `${asset.<scope>.<name>.<file>}`: the four-part form, so it names this resource's asset even unscoped. */
export const assetRef = (scope, name, file) => '${asset.' + scope + '.' + name + '.' + file + '}';

/**
 * Resolver options of every redis and sentinel pod. redis and sentinel look
 * names up on their main thread; a pod whose master is down keeps looking
 * up a name Docker no longer knows, which goes to the upstream DNS, and a
 * lost answer stalls the process for the resolver's default 5 s: a replica
 * misses its readiness pings, a sentinel sees its clock jump and enters
 * TILT for 30 s instead of failing over. One second, three tries, caps a
 * lost answer at a second.
 */
export const DNS_OPTIONS = ['timeout:1', 'attempts:3'];

export function defaultProbes() {
  return {
    liveness: { tcp_socket: { port: 6379 }, period: '10s', failure_threshold: 3 },
    readiness: { exec: { command: ['redis-cli', 'ping'] }, period: '5s', failure_threshold: 1, success_threshold: 2 },
  };
}

/** The data redis statefulset before the block's own keys are merged in. */
export function composeDefaults(scope, name) {
  return {
    image: DEFAULT_IMAGE,
    replicas: 1,
    ports: ['6379'],
    // Through `sh`: asset files are mounted 0644, so the script need not be executable.
    command: ['sh', ENTRYPOINT_PATH],
    volumes: [`${assetRef(scope, name, 'redis_conf')}:${CONF_PATH}:ro`, `${assetRef(scope, name, 'entrypoint')}:${ENTRYPOINT_PATH}:ro`],
    volume_claims: [{ name: 'data', mount_path: DATA_DIR }],
    probes: defaultProbes(),
    dns_options: DNS_OPTIONS,
  };
}
