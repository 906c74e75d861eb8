// redis:link [--reads] [--sentinel] <provider> <consumer>: the consumer's
// bucket gets the URLs of the provider (and restarts with them); the
// provider's bucket records the consumer and its URL shape, so rotations
// and failovers can re-emit the same shape later.
import { CONSUMER_KEYS, SENTINEL_MASTER_NAME } from '../ref.js';
import { READS_KEY, trackingActions } from '../consumers.js';
import { assertNoProblems, parseFlags } from '../sdk/flags.js';
import { expectPositionals, loadRedis, scopedRef } from '../resource.js';
import { redisReplicas } from '../topology.js';
import { buildLinkUrls, buildSentinelHosts, monitorTarget } from '../urls.js';

const USAGE = 'voodu redis:link [--reads] [--sentinel] <provider-scope>/<name> <consumer-scope>/<name>';

export const help = `Usage: ${USAGE}

Writes the provider's connection URLs into the consumer's config bucket;
the consumer restarts with them.

  one pod                 REDIS_URL      = redis://default:<pw>@<name>.<scope>.voodu:6379
  several pods            REDIS_URL      = redis://default:<pw>@<name>-<M>.<scope>.voodu:6379  (the master)
                          REDIS_READ_URL = redis://default:<pw>@<name>.<scope>.voodu:6379      (every pod)
  several pods, --reads   REDIS_URL      = redis://default:<pw>@<name>.<scope>.voodu:6379      (reads only)

The provider may be a sentinel resource: the URLs are then the watched
redis's, and --sentinel adds REDIS_SENTINEL_HOSTS (<sentinel>-N.<scope>.voodu:26379,…)
and REDIS_MASTER_NAME=${SENTINEL_MASTER_NAME} for sentinel-aware clients.

The redis remembers the consumer (REDIS_LINKED_CONSUMERS) and whether it
was linked with --reads (${READS_KEY}): redis:new-password and
redis:failover refresh every consumer with the shape it was linked with.
Linking again with other flags changes the shape.

Examples:
  voodu redis:link prod/cache prod/web
  voodu redis:link --reads prod/cache prod/dashboard
  voodu redis:link --sentinel prod/cache-quorum prod/web
`;

/**
 * @param {string[]} args
 * @param {{controller: any}} ctx
 */
export async function run(args, ctx) {
  const p = parseFlags(args, { bool: ['--reads', '--sentinel'] });
  assertNoProblems(p, USAGE);
  expectPositionals(p.positional, 2, USAGE);
  const readsOnly = p.flags['--reads'] === true;
  const sentinel = p.flags['--sentinel'] === true;
  const provider = scopedRef(p.positional[0], 'provider');
  const consumer = scopedRef(p.positional[1], 'consumer');
  if (provider.ref === consumer.ref) throw new Error(`consumer ${consumer.ref}: is the provider itself; link a redis to the app that uses it, e.g. voodu redis:link ${provider.ref} ${provider.scope}/web`);

  const prov = await loadRedis(ctx, provider.scope, provider.name, 'provider');
  const watched = monitorTarget(prov.spec);
  if (sentinel && !watched) {
    throw new Error(
      `--sentinel: provider ${provider.ref} is a data redis, not a sentinel resource; link the resource with the \`sentinel { monitor = "${provider.ref}" }\` block instead, or drop --sentinel`,
    );
  }
  // A sentinel resource's URLs are the watched redis's: its password, its master, its pods.
  const target = watched ? { scope: watched.scope || provider.scope, name: watched.name } : provider;
  const data = watched ? await loadRedis(ctx, target.scope, target.name, `redis watched by ${provider.ref}`) : prov;
  const urls = buildLinkUrls({ scope: target.scope, name: target.name, spec: data.spec, config: data.config, readsOnly });

  const kv = { [CONSUMER_KEYS.url]: urls.write };
  if (urls.read) kv[CONSUMER_KEYS.readUrl] = urls.read;
  if (sentinel) {
    kv[CONSUMER_KEYS.sentinelHosts] = buildSentinelHosts(provider.scope, provider.name, redisReplicas(prov.spec));
    kv[CONSUMER_KEYS.masterName] = SENTINEL_MASTER_NAME;
  }
  // Linking again with another shape must not leave the old shape's keys behind.
  const consumerOwn = await ctx.controller.fetchConfig(consumer.scope, consumer.name, { merge: false });
  const stale = [CONSUMER_KEYS.readUrl, ...(sentinel ? [] : [CONSUMER_KEYS.sentinelHosts, CONSUMER_KEYS.masterName])].filter(
    (k) => !(k in kv) && consumerOwn[k] !== undefined,
  );

  // The unset first, without its own restart: the config_set's restart then starts the consumer with both changes.
  const actions = [];
  if (stale.length) actions.push({ type: 'config_unset', scope: consumer.scope, name: consumer.name, keys: stale, skip_restart: true });
  actions.push({ type: 'config_set', scope: consumer.scope, name: consumer.name, kv });
  actions.push(...trackingActions(target.scope, target.name, data.own, consumer.ref, { link: true, readsOnly }));

  return { message: linkedMessage(provider.ref, consumer.ref, urls, readsOnly, sentinel, stale), actions };
}

export function linkedMessage(providerRef, consumerRef, urls, readsOnly, sentinel, removed = []) {
  const shape = urls.read
    ? `REDIS_URL + REDIS_READ_URL, master at ordinal ${urls.masterOrdinal}`
    : `REDIS_URL, ${readsOnly && urls.replicas > 1 ? 'reads only' : readsOnly ? 'reads only; one pod for now' : 'single pod'}`;
  const extra = sentinel ? ' + REDIS_SENTINEL_HOSTS, REDIS_MASTER_NAME' : '';
  const gone = removed.length ? `; removed ${removed.join(', ')}` : '';
  return `linked ${providerRef} → ${consumerRef} (${shape}${extra}${gone})`;
}
