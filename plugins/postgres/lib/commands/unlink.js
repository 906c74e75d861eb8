// pg:unlink <provider> <consumer>: the consumer loses DATABASE_URL and
// DATABASE_READ_URL and restarts without them; the postgres forgets the
// consumer, so rotations and promotions no longer touch it.
import { LINKED_KEY, parseList, trackingActions } from '../consumers.js';
import { CONSUMER_KEYS, expectPositionals, scopedRef } from '../ref.js';
import { assertNoProblems, parseFlags } from '../sdk/flags.js';

const USAGE = 'voodu pg:unlink <provider-scope>/<name> <consumer-scope>/<name>';

export const help = `Usage: ${USAGE}

Removes DATABASE_URL and DATABASE_READ_URL from the consumer's config (it
restarts without them) and drops it from the postgres's ${LINKED_KEY},
so pg:new-password and pg:promote no longer refresh it.

Works after the postgres itself was deleted, to clean a consumer up.

Example:
  voodu pg:unlink prod/db prod/web
`;

export async function run(args, ctx) {
  const p = parseFlags(args, {});
  assertNoProblems(p, USAGE);
  expectPositionals(p.positional, 2, USAGE);
  const provider = scopedRef(p.positional[0], 'provider');
  const consumer = scopedRef(p.positional[1], 'consumer');

  // The provider's bucket only, not its statefulset: a consumer can be cleared after the postgres is gone.
  const [own, consumerOwn] = await Promise.all([
    ctx.controller.fetchConfig(provider.scope, provider.name, { merge: false }),
    ctx.controller.fetchConfig(consumer.scope, consumer.name, { merge: false }),
  ]);
  const keys = [CONSUMER_KEYS.url, CONSUMER_KEYS.readUrl];
  const had = keys.filter((k) => consumerOwn[k] !== undefined);
  const wasLinked = parseList(own[LINKED_KEY]).includes(consumer.ref);
  const actions = [];
  // A key-less unset would fail the call; nothing to remove is no change (and no restart).
  if (had.length) actions.push({ type: 'config_unset', scope: consumer.scope, name: consumer.name, keys: had });
  actions.push(...trackingActions(provider.scope, provider.name, own, consumer.ref, { link: false }));

  if (!had.length && !wasLinked) {
    return { message: `${consumer.ref} was not linked to ${provider.ref} (no DATABASE_URL in its config, not in ${LINKED_KEY}); nothing to do`, actions };
  }
  const removed = had.length ? `${had.join(', ')} removed` : 'it had no DATABASE_URL';
  return { message: `unlinked ${consumer.ref} from ${provider.ref} (${removed}${wasLinked ? '' : `; it was not in ${LINKED_KEY}`})`, actions };
}
