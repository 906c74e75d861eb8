// After a password rotation or a failover: every linked consumer's URLs
// rebuilt with the new password or master, in the shape it was linked with
// (remembered in the redis's bucket, see consumers.js) — not guessed from
// which keys the consumer happens to have.
import { linkedConsumers } from './consumers.js';
import { CONSUMER_KEYS } from './ref.js';
import { buildLinkUrls } from './urls.js';

/**
 * @param {{controller: any}} ctx
 * @param {{scope: string, name: string, spec: object, config: object, own: object, masterOrdinal?: number, password?: string}} redis
 *   `masterOrdinal` / `password`: the values about to be written (the bucket still has the old ones)
 * @returns {Promise<{actions: object[], consumers: string[]}>}
 */
export async function refreshConsumers(ctx, redis) {
  const consumers = linkedConsumers(redis.own);
  const actions = [];
  const owns = await Promise.all(consumers.map((c) => ctx.controller.fetchConfig(c.scope, c.name, { merge: false }).catch(() => ({}))));
  consumers.forEach((c, i) => {
    const urls = buildLinkUrls({ ...redis, readsOnly: c.readsOnly });
    const kv = { [CONSUMER_KEYS.url]: urls.write };
    if (urls.read) kv[CONSUMER_KEYS.readUrl] = urls.read;
    // One pod now, several at link time: the old read URL would carry the old password or master.
    if (!urls.read && owns[i][CONSUMER_KEYS.readUrl] !== undefined) {
      actions.push({ type: 'config_unset', scope: c.scope, name: c.name, keys: [CONSUMER_KEYS.readUrl], skip_restart: true });
    }
    actions.push({ type: 'config_set', scope: c.scope, name: c.name, kv });
  });
  return { actions, consumers: consumers.map((c) => c.ref) };
}
