import test from 'ava';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { keys } from '../../lib/identity.js';
import { startEtcd, type TestEtcd } from '../helpers/etcd.js';
import { bootController, type TestController } from '../helpers/controller.js';
import { callApi } from '../helpers/http.js';

// /apply and friends against a real etcd through the real HTTP API.
let etcd: TestEtcd;
let ctl: TestController;

test.before(async () => {
  etcd = await startEtcd();
  ctl = await bootController({ modules: { disable: ['runtime', 'workload', 'deployment', 'statefulset', 'job', 'cronjob', 'pods', 'probes', 'autoscaler', 'release', 'build', 'plugins', 'ingress'] }, flags: ['--etcd-endpoints', etcd.endpoint] });
});
test.after.always(async () => {
  await ctl?.cleanup();
  await etcd?.stop();
});

const dep = (scope: string, name: string, extra: Record<string, unknown> = {}) => ({
  kind: 'deployment',
  scope,
  name,
  spec: { image: 'voodu-test/busybox:1', replicas: 1, ...extra },
});

const call = (method: string, path: string, body?: unknown) => callApi(ctl, method, path, body);

const stored = async (prefix: string) => (await etcd.store.list(prefix)).items.map((kv) => kv.key);

test.serial('a dry run answers the plan and changes nothing', async (t) => {
  const before = await etcd.store.revision();
  const { status, body } = await call('POST', '/apply?dry_run=true', [dep('dry', 'api'), dep('dry', 'worker')]);
  t.is(status, 200, body.error);
  t.is(body.data.dry_run, true);
  t.deepEqual(body.data.current, [null, null]);
  t.deepEqual(body.data.pruned, []);
  t.deepEqual(body.data.applied.map((m: any) => m.name), ['api', 'worker']);
  t.is(await etcd.store.revision(), before, 'the store revision moved on a dry run');
  t.deepEqual(await stored('/desired/deployments/dry/'), []);
});

test.serial('an apply writes every manifest in one transaction, with metadata', async (t) => {
  const { status, body } = await call('POST', '/apply', [dep('one', 'api'), dep('one', 'worker'), { kind: 'job', scope: 'one', name: 'migrate', spec: { image: 'voodu-test/busybox:1', command: ['true'] } }]);
  t.is(status, 200, body.error);
  t.deepEqual(body.data.pruned, []);
  t.is(body.data.dry_run, undefined);
  t.is(body.data.current, undefined);
  const kvs = await Promise.all(['/desired/deployments/one/api', '/desired/deployments/one/worker', '/desired/jobs/one/migrate'].map((k) => etcd.store.get(k)));
  t.true(kvs.every(Boolean));
  t.is(new Set(kvs.map((kv) => kv!.modRevision)).size, 1, 'all three written at one revision');
  const m = JSON.parse(kvs[0]!.value);
  t.is(m.spec.image, 'voodu-test/busybox:1');
  t.truthy(m.metadata.created_at);
  t.is(m.metadata.created_at, m.metadata.updated_at);
});

test.serial('re-applying keeps created_at, and a dry run shows the current manifest', async (t) => {
  const first = JSON.parse((await etcd.store.get('/desired/deployments/one/api'))!.value);
  const dry = await call('POST', '/apply?dry_run=true', dep('one', 'api', { replicas: 3 }));
  t.is(dry.body.data.current[0].spec.replicas, 1);
  t.is(dry.body.data.applied[0].spec.replicas, 3);
  await new Promise((r) => setTimeout(r, 5));
  await call('POST', '/apply', dep('one', 'api', { replicas: 3 }));
  const second = JSON.parse((await etcd.store.get('/desired/deployments/one/api'))!.value);
  t.is(second.spec.replicas, 3);
  t.is(second.metadata.created_at, first.metadata.created_at);
  t.not(second.metadata.updated_at, first.metadata.updated_at);
});

test.serial('prune removes siblings of the same kind and scope only', async (t) => {
  await call('POST', '/apply', [dep('pr', 'a'), dep('pr', 'b'), dep('other', 'c'), { kind: 'job', scope: 'pr', name: 'j', spec: { image: 'voodu-test/busybox:1' } }]);
  const dry = await call('POST', '/apply?dry_run=true&prune=true', [dep('pr', 'a')]);
  t.deepEqual(dry.body.data.pruned, ['deployment/pr/b']);
  t.deepEqual(await stored('/desired/deployments/pr/'), ['/desired/deployments/pr/a', '/desired/deployments/pr/b'], 'dry-run prune deleted something');
  const { body } = await call('POST', '/apply?prune=true', [dep('pr', 'a')]);
  t.deepEqual(body.data.pruned, ['deployment/pr/b']);
  t.deepEqual(await stored('/desired/deployments/pr/'), ['/desired/deployments/pr/a']);
  t.deepEqual(await stored('/desired/deployments/other/'), ['/desired/deployments/other/c']);
  t.deepEqual(await stored('/desired/jobs/pr/'), ['/desired/jobs/pr/j']);
});

test.serial('a batch with one invalid manifest writes nothing, and the error names it', async (t) => {
  const before = await etcd.store.revision();
  const { status, body } = await call('POST', '/apply', [dep('bad', 'good'), dep('bad', 'broken', { replicas: 'three' })]);
  t.is(status, 400);
  t.regex(body.error!, /deployment\/bad\/broken/);
  t.regex(body.error!, /replicas/);
  t.is(await etcd.store.revision(), before);
  t.deepEqual(await stored('/desired/deployments/bad/'), []);
});

test.serial('duplicate identities, unknown kinds and empty bodies are 400s', async (t) => {
  const dup = await call('POST', '/apply', [dep('d', 'x'), dep('d', 'x')]);
  t.is(dup.status, 400);
  t.regex(dup.body.error!, /duplicate identity deployment\/d\/x/);
  const unknown = await call('POST', '/apply', { kind: 'widget', scope: 'd', name: 'w', spec: {} });
  t.is(unknown.status, 400);
  t.regex(unknown.body.error!, /unknown kind "widget"/);
  const empty = await call('POST', '/apply', []);
  t.is(empty.status, 400);
  t.is(empty.body.error, 'no manifests in body');
  const extra = await call('POST', '/apply', { kind: 'deployment', scope: 'd', name: 'x', spec: {}, specs: {} });
  t.regex(extra.body.error!, /body\.specs: unknown field/);
});

test.serial('a body over 1 MiB is refused with 413 and nothing is written', async (t) => {
  const before = await etcd.store.revision();
  const huge = dep('big', 'api', { env: { BLOB: 'x'.repeat(1024 * 1024) } });
  const { status, body } = await call('POST', '/apply', huge);
  t.is(status, 413);
  t.regex(body.error!, /1 MiB limit/);
  t.is(await etcd.store.revision(), before);
});

test.serial('an app posted as JSON becomes a deployment and an ingress', async (t) => {
  const { status, body } = await call('POST', '/apply', {
    kind: 'app',
    scope: 'web',
    name: 'site',
    spec: { image: 'voodu-test/busybox:1', ports: ['8080'], host: 'site.example.com' },
  });
  t.is(status, 200, body.error);
  t.deepEqual(body.data.plugin_expansions, [{ from: 'app/web/site', to: ['deployment/web/site', 'ingress/web/site'] }]);
  t.deepEqual(await stored('/desired/deployments/web/'), ['/desired/deployments/web/site']);
  const ingress = JSON.parse((await etcd.store.get('/desired/ingresss/web/site'))!.value);
  t.is(ingress.spec.host, 'site.example.com');
});

test.serial('GET /apply lists all or one kind; GET /describe answers manifest and status', async (t) => {
  const all = await call('GET', '/apply');
  t.true(all.body.data.length >= 5);
  t.true(all.body.data.every((m: any) => typeof m.metadata.revision === 'number'));
  const jobs = await call('GET', '/apply?kind=jobs');
  t.deepEqual(jobs.body.data.map((m: any) => `${m.scope}/${m.name}`).sort(), ['one/migrate', 'pr/j']);
  t.is((await call('GET', '/apply?kind=pods')).status, 400);

  await etcd.store.putJSON(keys.status('deployment', 'one', 'api'), { spec_hash: 'abc' });
  const described = await call('GET', '/describe?kind=deployment&scope=one&name=api');
  t.is(described.body.data.manifest.name, 'api');
  t.deepEqual(described.body.data.status.spec_hash, 'abc');
  // Without a scope the name must be unique.
  const auto = await call('GET', '/describe?kind=deployment&name=worker');
  t.is(auto.body.data.manifest.scope, 'one');
  t.is((await call('GET', '/describe?kind=deployment&name=nope')).status, 404);
  await call('POST', '/apply', dep('two', 'worker'));
  const ambiguous = await call('GET', '/describe?kind=deployment&name=worker');
  t.is(ambiguous.status, 400);
  t.regex(ambiguous.body.error!, /exists in scopes one, two/);
});

test.serial('delete with prune reports what it wiped', async (t) => {
  await call('POST', '/apply', dep('del', 'api'));
  await etcd.store.put('/config/del/api/SECRET', 'hunter2');
  const appDir = join(ctl.root, 'apps', 'del-api', 'shared');
  await mkdir(appDir, { recursive: true });
  const { status, body } = await call('DELETE', '/apply?kind=deployment&scope=del&name=api&prune=true');
  t.is(status, 200, body.error);
  t.is(body.data.deleted, 'deployment/del/api');
  t.like(body.data.pruned, { config_wiped: true, app_dir_removed: true, volumes_removed: [], errors: [] });
  t.is(await etcd.store.get('/desired/deployments/del/api'), undefined);
  t.is(await etcd.store.get('/config/del/api/SECRET'), undefined);
  await t.throwsAsync(stat(join(ctl.root, 'apps', 'del-api')));
  t.is((await call('DELETE', '/apply?kind=deployment&scope=del&name=api')).status, 404);
});

test.serial('DELETE /resource takes every kind at (scope, name); DELETE /scope the whole scope', async (t) => {
  const res = await call('DELETE', '/resource?scope=web&name=site');
  t.deepEqual(res.body.data.deleted.sort(), ['deployment/web/site', 'ingress/web/site']);
  await call('POST', '/apply', [dep('gone', 'a'), dep('gone', 'b'), { kind: 'job', scope: 'gone', name: 'c', spec: { image: 'voodu-test/busybox:1' } }]);
  await etcd.store.put('/config/gone/_/SHARED', 'x');
  const kept = await call('DELETE', '/scope?scope=gone');
  t.deepEqual(kept.body.data.deleted.sort(), ['deployment/gone/a', 'deployment/gone/b', 'job/gone/c']);
  t.truthy(await etcd.store.get('/config/gone/_/SHARED'), 'scope bucket kept without prune');
  await call('POST', '/apply', dep('gone', 'a'));
  const wiped = await call('DELETE', '/scope?scope=gone&prune=true');
  t.is(wiped.body.data.config_wiped, true);
  t.is(await etcd.store.get('/config/gone/_/SHARED'), undefined);
  t.deepEqual(await stored('/desired/deployments/gone/'), []);
});

test.serial('expansions: non-core results refused, unknown actions refused up front, actions run only on a real apply', async (t) => {
  const ran: string[] = [];
  ctl.kernel.hooks.onExpand.for('gizmo').tapPromise('test', async (m) => ({
    manifests: [{ kind: 'gadget', scope: m.scope!, name: m.name, spec: {} }],
  }));
  const nested = await call('POST', '/apply', { kind: 'gizmo', scope: 'x', name: 'g', spec: {} });
  t.is(nested.status, 400);
  t.regex(nested.body.error!, /gizmo\/x\/g: its expansion returned kind "gadget", which is not a core kind/);

  ctl.kernel.hooks.onAction.for('note').tapPromise('test', async (a) => {
    ran.push(String(a.text));
    return { applied: `note ${String(a.text)}` };
  });
  ctl.kernel.hooks.onExpand.for('widget').tapPromise('test', async (m) => ({
    manifests: [dep(m.scope!, m.name)],
    actions: m.spec.bogus ? [{ type: 'launch_rocket' }] : [{ type: 'note', text: m.name }],
  }));
  const before = await etcd.store.revision();
  const bogus = await call('POST', '/apply', { kind: 'widget', scope: 'w', name: 'one', spec: { bogus: true } });
  t.is(bogus.status, 400);
  t.regex(bogus.body.error!, /unknown action type "launch_rocket"/);
  t.is(await etcd.store.revision(), before);

  const dry = await call('POST', '/apply?dry_run=true', { kind: 'widget', scope: 'w', name: 'two', spec: {} });
  t.deepEqual(dry.body.data.actions, ['note (dry run: not run)']);
  t.deepEqual(ran, [], 'an action ran on a dry run');

  // A failing batch does not run its actions either.
  const failing = await call('POST', '/apply', [{ kind: 'widget', scope: 'w', name: 'three', spec: {} }, dep('w', 'bad', { replicas: -5 })]);
  t.is(failing.status, 400);
  t.deepEqual(ran, []);

  const real = await call('POST', '/apply', { kind: 'widget', scope: 'w', name: 'four', spec: {} });
  t.is(real.status, 200, real.body.error);
  t.deepEqual(real.body.data.actions, ['note four']);
  t.deepEqual(ran, ['four']);
  t.deepEqual(real.body.data.plugin_expansions, [{ from: 'widget/w/four', to: ['deployment/w/four'] }]);
});
