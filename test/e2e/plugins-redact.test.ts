/**
 * Plugin output copied into errors is masked with the config buckets of the
 * resource the call is about (modules/plugins/redact.ts): a real plugin
 * subprocess (test/fixtures/plugins/leaky) prints a bucket secret on stderr
 * and fails; the API answer, the controller log and the `plugins` service's
 * result carry `***` instead. A real etcd and real HTTP; no Docker needed.
 */
import test from 'ava';
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bootModules, type ModuleController } from '../helpers/controller.js';
import { startEtcd, type TestEtcd } from '../helpers/etcd.js';
import { callApi } from '../helpers/http.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/plugins/', import.meta.url));
const MODULES = ['paths', 'store', 'api', 'config', 'apply', 'plugins'];
const APP_SECRET = 'app-s3cret-Δ-value';
const SCOPE_SECRET = 'scope-wide-secret-42';

let etcd: TestEtcd;
let ctl: ModuleController;

test.before(async () => {
  etcd = await startEtcd();
  ctl = await bootModules(etcd.endpoint, MODULES, { plugins: { timeoutMs: 8000, jit: false } });
  await cp(join(FIXTURES, 'leaky'), join(ctl.root, 'plugins', 'leaky'), { recursive: true });
  // SHORT is under the masking threshold: "on" must stay readable wherever it appears.
  const app = await callApi(ctl, 'POST', '/config?scope=prod&name=api&restart=false', { DB_PASSWORD: APP_SECRET, SHORT: 'on' });
  if (app.status !== 200) throw new Error(`config set: ${app.body.error}`);
  const scope = await callApi(ctl, 'POST', '/config?scope=prod&restart=false', { SHARED_TOKEN: SCOPE_SECRET });
  if (scope.status !== 200) throw new Error(`config set: ${scope.body.error}`);
});

test.after.always(async () => {
  await ctl?.stop();
  await etcd?.stop();
});

const leaked = (text: string) => text.includes(APP_SECRET) || text.includes(SCOPE_SECRET);

test.serial('dispatch: stderr in the error has the app and scope bucket values masked, the rest intact', async (t) => {
  const res = await callApi(ctl, 'POST', '/plugin/leaky/fail', { args: ['prod/api', `${APP_SECRET} and ${SCOPE_SECRET} (tls on)`] });
  t.is(res.status, 400);
  t.is(res.body.error, 'plugin "leaky" fail exited 1: leaky: connecting to prod/api with *** and *** (tls on) failed (exit 1)');
  t.false(ctl.logs.some(leaked), 'a secret reached the controller log');
});

test.serial('dispatch: an error envelope is masked too; a first arg that is no ref masks nothing', async (t) => {
  const res = await callApi(ctl, 'POST', '/plugin/leaky/refuse', { args: ['prod/api', APP_SECRET] });
  t.is(res.status, 400);
  t.is(res.body.error, 'plugin "leaky" refuse: refused prod/api: ***');
  // Not about a resource: there is no bucket to mask with (and so nothing the controller knows to be secret).
  const other = await callApi(ctl, 'POST', '/plugin/leaky/fail', { args: ['not-a-ref', 'plain words'] });
  t.regex(other.body.error!, /with plain words failed/);
});

test.serial('expand: the block config printed on stderr is masked in the apply error', async (t) => {
  const res = await callApi(ctl, 'POST', '/apply', [{ kind: 'leaky', scope: 'prod', name: 'api', spec: {} }]);
  t.is(res.status, 400);
  t.regex(res.body.error!, /expand leaky\/prod\/api: plugin "leaky" expand exited 1: /);
  t.regex(res.body.error!, /DB_PASSWORD=\*\*\*/);
  t.regex(res.body.error!, /SHARED_TOKEN=\*\*\*/);
  t.regex(res.body.error!, /SHORT=on/);
  t.false(leaked(res.body.error!));
  t.false(ctl.logs.some(leaked), 'a secret reached the controller log');
});

test.serial('a failure the controller logs (the legacy /plugins/exec, a 500) is masked in the log line', async (t) => {
  const before = ctl.logs.length;
  const res = await callApi(ctl, 'POST', '/plugins/exec', { args: ['leaky', 'fail', 'prod/api', APP_SECRET] });
  t.is(res.status, 500);
  t.regex(res.body.error!, /with \*\*\* failed/);
  const lines = ctl.logs.slice(before).filter((l) => l.includes('leaky: connecting to prod/api'));
  t.true(lines.length > 0, `the failure was not logged: ${ctl.logs.slice(before).join('\n')}`);
  t.true(lines.every((l) => l.includes('***') && !leaked(l)));
});

test.serial('plugins.run: a caller naming the resource gets the result masked; one that does not, raw', async (t) => {
  const plugins = ctl.kernel.services.get('plugins', 'test');
  const masked = await plugins.run('leaky', 'fail', { args: ['prod/api', APP_SECRET], redactFor: { scope: 'prod', name: 'api' } });
  t.is(masked.exitCode, 1);
  t.is(masked.stderr, 'leaky: connecting to prod/api with *** failed (exit 1)\n');
  const raw = await plugins.run('leaky', 'fail', { args: ['prod/api', APP_SECRET] });
  t.true(raw.stderr.includes(APP_SECRET), 'without redactFor the caller gets what the plugin wrote');
});
