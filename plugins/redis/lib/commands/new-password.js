// redis:new-password <scope>/<name>: a fresh REDIS_PASSWORD in the bucket
// and every linked consumer's URLs rebuilt with it. The running pods keep
// the old password until `voodu apply` re-renders redis.conf, so the
// password write skips the restart: rolling the pods now would only
// restart them with the same old redis.conf.
import { generatePassword } from '../expand/password.js';
import { assertNoProblems, parseFlags } from '../sdk/flags.js';
import { refreshConsumers } from '../refresh.js';
import { expectPositionals, loadRedis, scopedRef } from '../resource.js';
import { monitorTarget } from '../urls.js';

const USAGE = 'voodu redis:new-password <scope>/<name>';

export const help = `Usage: ${USAGE}

Generates a new password (64 hex characters) into REDIS_PASSWORD and
rewrites REDIS_URL / REDIS_READ_URL of every linked consumer with it, in
the shape each was linked with; the consumers restart.

Then run \`voodu apply\`: it renders redis.conf with the new password and
rolls the redis pods. Until then the pods still take the old password, and
consumers already restarted with the new URL cannot authenticate — run the
apply right away.

Example:
  voodu redis:new-password prod/cache && voodu apply -f voodu.hcl
`;

export async function run(args, ctx) {
  const p = parseFlags(args, {});
  assertNoProblems(p, USAGE);
  expectPositionals(p.positional, 1, USAGE);
  const { scope, name, ref } = scopedRef(p.positional[0], '<scope>/<name>');
  const redis = await loadRedis(ctx, scope, name);
  const watched = monitorTarget(redis.spec);
  if (watched) {
    const target = `${watched.scope || scope}/${watched.name}`;
    throw new Error(`${ref}: is a sentinel resource; its password is the redis it watches — run voodu redis:new-password ${target}`);
  }
  const password = generatePassword();
  const refreshed = await refreshConsumers(ctx, { scope, name, ...redis, password });
  const actions = [{ type: 'config_set', scope, name, kv: { REDIS_PASSWORD: password }, skip_restart: true }, ...refreshed.actions];
  const n = refreshed.consumers.length;
  return {
    message:
      `rotated REDIS_PASSWORD of ${ref} — run \`voodu apply\` now to put it into redis.conf (the pods take the old one until then)` +
      (n ? `; refreshed ${n} linked consumer${n === 1 ? '' : 's'} (${refreshed.consumers.join(', ')}) with the new URL` : '; no linked consumers'),
    actions,
  };
}
