import test from 'ava';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { TEST_IMAGE, cleanupDocker, dockerClient, requireDocker } from '../helpers/docker.js';
import { startEtcd, type TestEtcd } from '../helpers/etcd.js';
import { bootController, type TestController } from '../helpers/controller.js';
import { callApi } from '../helpers/http.js';
import { runCli } from '../helpers/cli.js';

// Two resources never share a derived name (app id, env file, status key, containers, volumes):
// refused at apply and at config, and a delete of one leaves a near-named other alone.
const S = `nm${randomBytes(3).toString('hex')}`;
const SCOPES = [S, `${S}-b`, `${S}-q`, `${S}v`, `${S}d`];
const docker = dockerClient();
let etcd: TestEtcd;
let ctl: TestController;

test.before(async () => {
  await requireDocker();
  etcd = await startEtcd();
  ctl = await bootController({
    modules: { disable: ['ingress', 'autoscaler'], options: { workload: { readinessGraceMs: 300 } } },
    flags: ['--etcd-endpoints', etcd.endpoint],
  });
});
test.after.always(async () => {
  await ctl?.cleanup();
  await etcd?.stop();
  for (const scope of SCOPES) await cleanupDocker(`voodu.scope=${scope}`);
});

const LOOP = 'trap "exit 0" TERM; while :; do sleep 1; done';
const dep = (scope: string, name: string) => ({ kind: 'deployment', scope, name, spec: { image: TEST_IMAGE, replicas: 1, command: ['sh', '-c', LOOP] } });
const sts = (scope: string, name: string, claim: string, replicas = 1) => ({
  kind: 'statefulset',
  scope,
  name,
  spec: { image: TEST_IMAGE, replicas, command: ['sh', '-c', LOOP], volume_claims: [{ name: claim, mount_path: '/data' }] },
});
const call = (method: string, path: string, body?: unknown) => callApi(ctl, method, path, body);

async function settle(key: string) {
  const kv = await etcd.store.get(key);
  await ctl.kernel.services.get('reconciler', 'test').idle(kv?.modRevision);
}

async function until(cond: () => Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function volumes(scope: string): Promise<string[]> {
  const { Volumes } = await docker.listVolumes({ filters: { label: [`voodu.scope=${scope}`] } });
  return (Volumes ?? []).map((v) => v.Name).sort();
}

/** `name id state` of every container of the statefulset, stopped ones included. */
async function pods(scope: string, name: string): Promise<string[]> {
  const list = await docker.listContainers({ all: true, filters: { label: [`voodu.scope=${scope}`, `voodu.name=${name}`, 'voodu.kind=statefulset'] } });
  return list.map((c) => `${c.Names[0]!.slice(1)} ${c.Id} ${c.State}`).sort();
}

const exists = (path: string) => stat(path).then(() => true, () => false);

test.serial('an apply whose app id another (scope, name) holds is refused naming both; the first stays untouched', async (t) => {
  const first = await call('POST', '/apply', dep(`${S}-b`, 'c'));
  t.is(first.status, 200, first.body.error);
  const key = `/desired/deployments/${S}-b/c`;
  const before = await etcd.store.get(key);
  t.truthy(before);
  const revision = await etcd.store.revision();

  for (const path of ['/apply', '/apply?dry_run=true']) {
    const second = await call('POST', path, dep(S, 'b-c'));
    t.is(second.status, 400, `${path}: ${JSON.stringify(second.body)}`);
    t.is(
      second.body.error,
      `deployment/${S}/b-c: its app id "${S}-b-c" (apps/${S}-b-c, env file apps/${S}-b-c/shared/.env, volumes/${S}-b-c, containers ${S}-b-c.N) is already used by deployment/${S}-b/c; rename one of them`,
    );
  }
  // A job at the second identity shares the same app dir and containers: refused as well.
  const job = await call('POST', '/apply', { kind: 'job', scope: S, name: 'b-c', spec: { image: TEST_IMAGE, command: ['true'] } });
  t.is(job.status, 400);
  t.regex(job.body.error!, new RegExp(`^job/${S}/b-c: its app id "${S}-b-c".* deployment/${S}-b/c`));

  t.is((await etcd.store.get(key))!.modRevision, before!.modRevision, 'the first manifest was rewritten');
  t.is(await etcd.store.get(`/desired/deployments/${S}/b-c`), undefined);
  t.is(await etcd.store.get(`/desired/jobs/${S}/b-c`), undefined);
  // The reconcile of the first (status writes) may move the revision on; nothing of the second may appear.
  const since = (await etcd.store.list('/desired/')).items.filter((kv) => kv.modRevision > revision);
  t.deepEqual(since.map((kv) => kv.key), []);
});

test.serial('the same pair in one batch is refused and nothing of the batch is written', async (t) => {
  const res = await call('POST', '/apply', [dep(`${S}-q`, 'r'), dep(S, 'q-r')]);
  t.is(res.status, 400);
  t.is(
    res.body.error,
    `deployment/${S}/q-r: its app id "${S}-q-r" (apps/${S}-q-r, env file apps/${S}-q-r/shared/.env, volumes/${S}-q-r, containers ${S}-q-r.N) is also used by deployment/${S}-q/r in this apply; rename one of them`,
  );
  t.is(await etcd.store.get(`/desired/deployments/${S}-q/r`), undefined);
  t.is(await etcd.store.get(`/desired/deployments/${S}/q-r`), undefined);
});

test.serial('statefulset volumes: db with claim x-data and db-x with claim data are refused in one scope', async (t) => {
  const scope = `${S}v`;
  const first = await call('POST', '/apply', sts(scope, 'db', 'x-data'));
  t.is(first.status, 200, first.body.error);
  const second = await call('POST', '/apply', sts(scope, 'db-x', 'data'));
  t.is(second.status, 400);
  t.is(
    second.body.error,
    `statefulset/${scope}/db-x: its volume "voodu-${scope}-db-x-data-0" (claim "data"; every ordinal alike) is already used by statefulset/${scope}/db (claim "x-data"); rename one of them`,
  );
  t.is(await etcd.store.get(`/desired/statefulsets/${scope}/db-x`), undefined);
  // In one batch, the other way round.
  const batch = await call('POST', '/apply?dry_run=true', [sts(`${S}d`, 'db-x', 'data'), sts(`${S}d`, 'db', 'x-data')]);
  t.is(batch.status, 400);
  t.regex(batch.body.error!, new RegExp(`^statefulset/${S}d/db: its volume "voodu-${S}d-db-x-data-0" .* also used by statefulset/${S}d/db-x \\(claim "data"\\) in this apply`));
});

test.serial('one (scope, name) of different kinds still shares its app id', async (t) => {
  const res = await call('POST', '/apply', [dep(S, 'web'), { kind: 'job', scope: S, name: 'web', spec: { image: TEST_IMAGE, command: ['true'] } }]);
  t.is(res.status, 200, res.body.error);
  const again = await call('POST', '/apply', { kind: 'cronjob', scope: S, name: 'web', spec: { schedule: '0 0 1 1 *', job: { image: TEST_IMAGE, command: ['true'] } } });
  t.is(again.status, 200, again.body.error);
  t.truthy(await etcd.store.get(`/desired/deployments/${S}/web`));
  t.truthy(await etcd.store.get(`/desired/jobs/${S}/web`));
  t.truthy(await etcd.store.get(`/desired/cronjobs/${S}/web`));
});

test.serial('config of a (scope, name) whose app id another resource holds is refused; its env file is untouched', async (t) => {
  await settle(`/desired/deployments/${S}-b/c`);
  const envFile = join(ctl.root, 'apps', `${S}-b-c`, 'shared', '.env');
  const before = await readFile(envFile, 'utf8');

  const set = await call('POST', `/config?scope=${S}&name=b-c`, { SECRET: 'hunter2-secret' });
  t.is(set.status, 400);
  t.is(
    set.body.error,
    `config ${S}/b-c: its app id "${S}-b-c" (apps/${S}-b-c, env file apps/${S}-b-c/shared/.env, volumes/${S}-b-c, containers ${S}-b-c.N) is already used by deployment/${S}-b/c, so this change would rewrite that resource's env file; change the config of ${S}-b/c instead, or rename one of them`,
  );
  t.false(set.body.error!.includes('hunter2'), 'the value leaked into the error');
  const unset = await call('DELETE', `/config?scope=${S}&name=b-c&key=SECRET`);
  t.is(unset.status, 400);

  const { code, stderr } = await runCli(['config', `${S}/b-c`, 'set', 'SECRET=hunter2-secret'], { target: ctl });
  t.not(code, 0);
  t.regex(stderr, new RegExp(`already used by deployment/${S}-b/c`));

  t.is(await readFile(envFile, 'utf8'), before);
  t.deepEqual((await etcd.store.list(`/config/${S}/b-c/`)).items, []);
  // Its own bucket, and a bucket with no resource and no clash, stay open.
  t.is((await call('POST', `/config?scope=${S}-b&name=c`, { MINE: '1' })).status, 200);
  t.is((await call('POST', `/config?scope=${S}&name=not-yet`, { EARLY: '1' })).status, 200);
  t.is((await call('POST', `/config?scope=${S}`, { SHARED: '1' })).status, 200);
});

test.serial('deleting db with prune leaves db-x (a prefix-named neighbour) its files, config and volumes', async (t) => {
  const scope = `${S}d`;
  // Two ordinals then one, so each keeps a free volume a sloppy name match would remove.
  for (const replicas of [2, 1]) {
    const res = await call('POST', '/apply', [sts(scope, 'db', 'data', replicas), sts(scope, 'db-x', 'data', replicas)]);
    t.is(res.status, 200, res.body.error);
    await settle(`/desired/statefulsets/${scope}/db`);
    await settle(`/desired/statefulsets/${scope}/db-x`);
  }
  t.deepEqual(await volumes(scope), [`voodu-${scope}-db-data-0`, `voodu-${scope}-db-data-1`, `voodu-${scope}-db-x-data-0`, `voodu-${scope}-db-x-data-1`]);
  t.is((await call('POST', `/config?scope=${scope}&name=db-x`, { KEEP: 'yes' })).status, 200);
  await settle(`/desired/statefulsets/${scope}/db-x`); // the config change restarts db-x's pod
  const neighbourPods = await pods(scope, 'db-x');
  t.is(neighbourPods.length, 1);
  t.regex(neighbourPods[0]!, new RegExp(`^${scope}-db-x\\.0 \\w+ running$`));
  for (const id of [`${scope}-db`, `${scope}-db-x`]) await mkdir(join(ctl.root, 'volumes', id, 'x'), { recursive: true });
  const neighbourEnv = join(ctl.root, 'apps', `${scope}-db-x`, 'shared', '.env');
  t.true(await exists(neighbourEnv));

  const del = await call('DELETE', `/apply?kind=statefulset&scope=${scope}&name=db&prune=true`);
  t.is(del.status, 200, del.body.error);
  t.true(del.body.data.pruned.volumes_removed.includes(`voodu-${scope}-db-data-1`), JSON.stringify(del.body.data.pruned));
  await until(async () => (await pods(scope, 'db')).length === 0, 'the pods of db to go');

  t.false(await exists(join(ctl.root, 'apps', `${scope}-db`)));
  t.false(await exists(join(ctl.root, 'volumes', `${scope}-db`)));
  t.regex(await readFile(neighbourEnv, 'utf8'), /^KEEP=yes$/m);
  t.true(await exists(join(ctl.root, 'volumes', `${scope}-db-x`, 'x')));
  t.deepEqual((await etcd.store.list(`/config/${scope}/db-x/`)).items.map((kv) => kv.key), [`/config/${scope}/db-x/KEEP`]);
  const left = await volumes(scope);
  t.true(left.includes(`voodu-${scope}-db-x-data-0`) && left.includes(`voodu-${scope}-db-x-data-1`), left.join(', '));
  t.false(left.includes(`voodu-${scope}-db-data-1`));
  t.deepEqual(await pods(scope, 'db-x'), neighbourPods, 'the pod of db-x was touched');
  t.truthy(await etcd.store.get(`/desired/statefulsets/${scope}/db-x`));
});
