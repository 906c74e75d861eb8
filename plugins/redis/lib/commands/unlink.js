// redis:unlink <provider> <consumer>: the consumer loses every key a link
// wrote (URLs and sentinel discovery) and restarts without them; the redis
// forgets the consumer. Linked through a sentinel resource, the record is
// on the watched redis, as link wrote it.
import { CONSUMER_KEYS } from '../ref.js';
import { trackingActions } from '../consumers.js';
import { assertNoProblems, parseFlags } from '../sdk/flags.js';
import { expectPositionals, loadSpec, scopedRef } from '../resource.js';
import { monitorTarget } from '../urls.js';

const USAGE = 'voodu redis:unlink <provider-scope>/<name> <consumer-scope>/<name>';

export const help = `Usage: ${USAGE}

Removes REDIS_URL, REDIS_READ_URL, REDIS_SENTINEL_HOSTS and REDIS_MASTER_NAME
from the consumer's config (it restarts without them) and drops it from the
redis's REDIS_LINKED_CONSUMERS, so rotations no longer touch it.

Example:
  voodu redis:unlink prod/cache prod/web
`;

export async function run(args, ctx) {
  const p = parseFlags(args, {});
  assertNoProblems(p, USAGE);
  expectPositionals(p.positional, 2, USAGE);
  const provider = scopedRef(p.positional[0], 'provider');
  const consumer = scopedRef(p.positional[1], 'consumer');

  const consumerKeys = [CONSUMER_KEYS.url, CONSUMER_KEYS.readUrl, CONSUMER_KEYS.sentinelHosts, CONSUMER_KEYS.masterName];
  const actions = [{ type: 'config_unset', scope: consumer.scope, name: consumer.name, keys: consumerKeys }];

  // The consumer is cleared even when the provider is gone (deleted before its consumers were unlinked).
  let target = provider;
  let note = '';
  try {
    const watched = monitorTarget(await loadSpec(ctx, provider.scope, provider.name, 'provider'));
    if (watched) target = { scope: watched.scope || provider.scope, name: watched.name, ref: `${watched.scope || provider.scope}/${watched.name}` };
  } catch (err) {
    note = `; note: ${err.message}`;
  }
  const own = await ctx.controller.fetchConfig(target.scope, target.name, { merge: false });
  actions.push(...trackingActions(target.scope, target.name, own, consumer.ref, { link: false }));
  return { message: `unlinked ${consumer.ref} from ${target.ref} (${consumerKeys.join(', ')} removed)${note}`, actions };
}
