// pg:link [--reads] <provider> <consumer>: the consumer's bucket gets the
// cluster's URLs — the current primary, the configured user, database and
// port — and restarts with them; the postgres records the consumer and
// whether it asked for reads, so new-password and promote re-emit the same
// shape later.
import { LINKED_KEY, READS_KEY, consumerKv, trackingActions } from '../consumers.js';
import { CONSUMER_KEYS, expectPositionals, scopedRef } from '../ref.js';
import { loadCluster } from '../resource.js';
import { assertNoProblems, parseFlags } from '../sdk/flags.js';

const USAGE = 'voodu pg:link [--reads] <provider-scope>/<name> <consumer-scope>/<name>';

export const help = `Usage: ${USAGE}

Writes the cluster's connection URL into the consumer's config bucket; the
consumer restarts with it.

  DATABASE_URL       postgres://<user>:<pw>@<name>-<P>.<scope>.voodu:<port>/<db>
                     P is the current primary (PG_PRIMARY_ORDINAL), so the URL
                     follows a promote.
  --reads adds
  DATABASE_READ_URL  every standby in one multi-host URL
                     (…@<name>-1…:<port>,<name>-2…:<port>/<db>?target_session_attrs=any);
                     on a one-pod cluster the same as DATABASE_URL.

The cluster remembers the consumer (${LINKED_KEY}) and whether it was
linked with --reads (${READS_KEY}): pg:new-password and pg:promote
refresh every consumer in the shape it was linked with. Linking again
without --reads drops DATABASE_READ_URL.

Examples:
  voodu pg:link prod/db prod/web
  voodu pg:link --reads prod/db prod/reports
`;

/**
 * @param {string[]} args
 * @param {{controller: any}} ctx
 */
export async function run(args, ctx) {
  const p = parseFlags(args, { bool: ['--reads'] });
  assertNoProblems(p, USAGE);
  expectPositionals(p.positional, 2, USAGE);
  const reads = p.flags['--reads'] === true;
  const provider = scopedRef(p.positional[0], 'provider');
  const consumer = scopedRef(p.positional[1], 'consumer');
  if (provider.ref === consumer.ref) {
    throw new Error(`consumer ${consumer.ref}: is the provider itself; link the postgres to the app that uses it, e.g. voodu pg:link ${provider.ref} ${provider.scope}/web`);
  }

  const cluster = await loadCluster(ctx, provider.scope, provider.name);
  const kv = consumerKv(cluster, { reads });

  // Linked again without --reads: the old read URL must not stay behind with a stale host or password.
  const consumerOwn = await ctx.controller.fetchConfig(consumer.scope, consumer.name, { merge: false });
  const stale = !(CONSUMER_KEYS.readUrl in kv) && consumerOwn[CONSUMER_KEYS.readUrl] !== undefined;

  // The unset goes first and without its own restart: the config_set's restart then starts the consumer with both changes.
  const actions = [];
  if (stale) actions.push({ type: 'config_unset', scope: consumer.scope, name: consumer.name, keys: [CONSUMER_KEYS.readUrl], skip_restart: true });
  actions.push({ type: 'config_set', scope: consumer.scope, name: consumer.name, kv });
  actions.push(...trackingActions(provider.scope, provider.name, cluster.own, consumer.ref, { link: true, reads }));

  return { message: linkedMessage(cluster, consumer.ref, reads, stale), actions };
}

/** `linked P → C — set DATABASE_URL (primary pod N)[ + DATABASE_READ_URL (…)]`. */
export function linkedMessage(cluster, consumerRef, reads, removedRead = false) {
  const standbys = cluster.standbys().length;
  let what = `set DATABASE_URL (primary: pod ${cluster.primaryOrdinal}, ${cluster.host(cluster.primaryOrdinal)})`;
  if (reads) {
    what += standbys === 0 ? ' + DATABASE_READ_URL (single pod: reads go to the primary)' : ` + DATABASE_READ_URL (${standbys} standby pool)`;
  }
  if (removedRead) what += '; removed DATABASE_READ_URL (linked without --reads)';
  const warn = cluster.storedPrimaryOrdinal !== undefined && cluster.storedPrimaryOrdinal >= cluster.replicas
    ? `; note: PG_PRIMARY_ORDINAL=${cluster.storedPrimaryOrdinal} names no pod (replicas = ${cluster.replicas}), pod 0 taken as the primary`
    : '';
  return `linked ${cluster.ref} → ${consumerRef} — ${what}${warn}`;
}
