// A postgres resource as the commands see it: the stored statefulset spec
// and the config bucket, read through the controller, reduced to the facts
// every command needs (who is primary, which user, which port, which
// password) — so `link`, `psql`, `backups:capture` and `promote` all follow
// the current primary and the configured user and port, never a guess.
import { DEFAULT_DATABASE, DEFAULT_PGDATA, DEFAULT_PORT, DEFAULT_REPLICATION_USER, DEFAULT_USER, PROVIDER_KEYS, containerName, formatRef, podHost } from './ref.js';
import { parseList } from './sdk/lists.js';

/** A comma list (POSTGRES_LINKED_CONSUMERS) → its non-empty, trimmed, distinct entries. */
export { parseList };

/**
 * The statefulset spec of scope/name; a missing one is named with the fix.
 * @param {{controller: any}} ctx
 */
export async function loadSpec(ctx, scope, name) {
  try {
    return await ctx.controller.fetchSpec('statefulset', scope, name);
  } catch (err) {
    if (err?.status === 404) {
      throw new Error(`postgres ${formatRef(scope, name)}: not found (no statefulset ${formatRef(scope, name)} is applied); check the name, or apply its postgres block first`);
    }
    throw err;
  }
}

/** The pod count of a spec; anything that is not a whole number ≥ 1 counts as 1. */
export function readReplicas(spec) {
  const n = Number(spec?.replicas);
  return Number.isInteger(n) && n >= 1 ? n : 1;
}

/** A whole number ≥ 0 from a bucket value, else undefined. */
export function readOrdinal(value) {
  const s = String(value ?? '').trim();
  return /^\d{1,6}$/.test(s) ? Number(s) : undefined;
}

/** `{user, db, port}` of a spec's env (POSTGRES_USER, POSTGRES_DB, PG_PORT), with the defaults. */
export function readUserDBPort(spec) {
  const env = spec?.env && typeof spec.env === 'object' ? spec.env : {};
  const port = Number(env.PG_PORT);
  return {
    user: String(env.POSTGRES_USER || DEFAULT_USER),
    db: String(env.POSTGRES_DB || DEFAULT_DATABASE),
    port: Number.isInteger(port) && port >= 1 && port <= 65535 ? port : DEFAULT_PORT,
  };
}

/**
 * Everything a command knows about one cluster.
 * `password` is the bucket's POSTGRES_PASSWORD, else the one the HCL block
 * gave (the expansion puts an HCL password in the spec's env; a generated
 * one lives only in the bucket). `primaryOrdinal` is PG_PRIMARY_ORDINAL
 * when it names an existing pod, else 0.
 * @param {{scope: string, name: string, spec: Record<string, any>, config: Record<string, string>, own?: Record<string, string>}} input
 */
export function describeCluster({ scope, name, spec, config, own = config }) {
  const env = spec?.env && typeof spec.env === 'object' ? spec.env : {};
  const replicas = readReplicas(spec);
  const stored = readOrdinal(config[PROVIDER_KEYS.primaryOrdinal]);
  const primaryOrdinal = stored !== undefined && stored < replicas ? stored : 0;
  const { user, db, port } = readUserDBPort(spec);
  const hclPassword = typeof env.POSTGRES_PASSWORD === 'string' && env.POSTGRES_PASSWORD ? env.POSTGRES_PASSWORD : '';
  const hclReplication = typeof env.PG_REPLICATION_PASSWORD === 'string' && env.PG_REPLICATION_PASSWORD ? env.PG_REPLICATION_PASSWORD : '';
  return {
    scope,
    name,
    ref: formatRef(scope, name),
    spec,
    config,
    own,
    image: String(spec?.image ?? ''),
    replicas,
    primaryOrdinal,
    /** PG_PRIMARY_ORDINAL as stored, when it is out of range (the commands warn). */
    storedPrimaryOrdinal: stored,
    user,
    db,
    port,
    pgdata: String(env.PGDATA || DEFAULT_PGDATA),
    replicationUser: String(env.PG_REPLICATION_USER || DEFAULT_REPLICATION_USER),
    password: config[PROVIDER_KEYS.password] || hclPassword,
    passwordFromHcl: Boolean(hclPassword) && !config[PROVIDER_KEYS.password],
    replicationPassword: config[PROVIDER_KEYS.replicationPassword] || hclReplication,
    exposed: String(config[PROVIDER_KEYS.exposePublic] ?? '').trim() === 'true',
    linkedConsumers: parseList(own[PROVIDER_KEYS.linkedConsumers]),
    container: (ordinal) => containerName(scope, name, ordinal),
    host: (ordinal) => podHost(scope, name, ordinal),
    standbys: () => Array.from({ length: replicas }, (_, i) => i).filter((i) => i !== primaryOrdinal),
  };
}

/**
 * Loads and describes scope/name: the spec, the merged config (what the
 * pods see) and the app's own bucket (where the tracking keys live).
 * @param {{controller: any}} ctx
 */
export async function loadCluster(ctx, scope, name) {
  const spec = await loadSpec(ctx, scope, name);
  const [config, own] = await Promise.all([ctx.controller.fetchConfig(scope, name), ctx.controller.fetchConfig(scope, name, { merge: false })]);
  return describeCluster({ scope, name, spec, config, own });
}

/** The cluster's password, or an error that says how to get one. */
export function requirePassword(cluster) {
  if (!cluster.password) {
    throw new Error(`postgres ${cluster.ref}: provider has no POSTGRES_PASSWORD in config bucket — has the resource been applied? (\`voodu apply\` generates it; or set it with \`voodu config set -s ${cluster.scope} -n ${cluster.name} POSTGRES_PASSWORD=…\`)`);
  }
  return cluster.password;
}

/** `ordinal` checked against the cluster: a whole number below `replicas`. */
export function requireOrdinal(cluster, ordinal, flag = '--replica') {
  if (!Number.isInteger(ordinal) || ordinal < 0 || ordinal >= cluster.replicas) {
    const range = cluster.replicas === 1 ? '0' : `0..${cluster.replicas - 1}`;
    throw new Error(`${flag} ${ordinal}: postgres ${cluster.ref} has ${cluster.replicas} pod${cluster.replicas === 1 ? '' : 's'} (ordinals ${range})`);
  }
  return ordinal;
}
