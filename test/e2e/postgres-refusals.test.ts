/**
 * Bad postgres blocks are refused at apply, through the real controller and
 * the real plugin: the answer is a 400 that names the field and the fix,
 * and nothing of the batch is stored — no statefulset, no asset, not even
 * the passwords a good first apply would have generated into the bucket,
 * nor the other manifests of the same batch.
 */
import test from 'ava';
import { callApi } from '../helpers/http.js';
import { startPostgresHarness, type PgHarness } from '../helpers/postgres.js';

let h: PgHarness;

test.before(async () => {
  h = await startPostgresHarness('pgbad');
});

test.after.always(async () => {
  await h?.stop();
});

const cases: [string, Record<string, unknown>, RegExp][] = [
  ['a database name that is not an identifier', { database: 'my-app' }, /postgres \S+\/db: database "my-app": .*letters, digits and '_'/],
  ['a user that is too long', { user: 'u'.repeat(64) }, /postgres \S+\/db: user .*63/],
  ['replication_user equal to user', { user: 'app', replication_user: 'app' }, /replication_user "app": must differ from user/],
  ['a pg_config key with a newline', { pg_config: { 'work_mem\nfsync': 'off' } }, /pg_config/],
  ['a pg_config value with a newline', { pg_config: { work_mem: "4MB'\nfsync = off" } }, /pg_config\.work_mem: the value contains a line break/],
  ['port 0', { port: 0 }, /port = 0: must be between 1 and 65535/],
  ['a fractional replica count', { replicas: 1.5 }, /replicas/],
  ['an extension that is not an identifier', { extensions: ['pg-vector'] }, /extensions\[0\]/],
];

for (const [what, spec, message] of cases) {
  test.serial(`refused at apply, naming the field, nothing stored: ${what}`, async (t) => {
    const other = { kind: 'deployment', scope: h.scope, name: 'web', spec: { image: 'voodu-test/busybox:1', command: ['sleep', '60'] } };
    const res = await h.apply(h.block('db', spec), other);
    t.is(res.status, 400, JSON.stringify(res.body));
    t.regex(res.body.error ?? '', message);
    for (const kind of ['statefulset', 'asset', 'deployment']) {
      const name = kind === 'deployment' ? 'web' : 'db';
      t.is((await callApi(h.ctl, 'GET', `/describe?kind=${kind}&scope=${h.scope}&name=${name}`)).status, 404, `${kind} stored`);
    }
    t.deepEqual(await h.vars('db'), {}, 'no password was generated');
  });
}
