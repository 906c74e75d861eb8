import test from 'ava';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { TEST_IMAGE, cleanupDocker, dockerClient, requireDocker } from '../helpers/docker.js';
import { startEtcd, type TestEtcd } from '../helpers/etcd.js';
import { apiFetch } from '../helpers/http.js';
import { bootController, type TestController } from '../helpers/controller.js';
import { PassThrough } from 'node:stream';
import { main } from '../../cli/main.js';

// Statefulsets on the real engine: ordinals, per-pod volumes and DNS, in-place rolls, scale, rebootstrap, prune.
const scope = `sts${randomBytes(3).toString('hex')}`;
const docker = dockerClient();
let etcd: TestEtcd;
let ctl: TestController;

test.before(async () => {
  await requireDocker();
  etcd = await startEtcd();
  ctl = await bootController({ flags: ['--etcd-endpoints', etcd.endpoint] });
});
test.after.always(async () => {
  await ctl?.cleanup();
  await etcd?.stop();
  await cleanupDocker(`voodu.scope=${scope}`);
});

const LOOP = 'trap "exit 0" TERM; while :; do sleep 1; done';
const sts = (replicas: number, env: Record<string, string> = {}) => ({
  kind: 'statefulset',
  scope,
  name: 'db',
  spec: { image: TEST_IMAGE, replicas, command: ['sh', '-c', LOOP], env, volume_claims: [{ name: 'data', mount_path: '/data' }] },
});

async function call(method: string, path: string, body?: unknown) {
  const res = await apiFetch(ctl, path, { method, ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
  const json = (await res.json()) as { status: string; data?: any; error?: string };
  if (json.status !== 'ok') throw new Error(`${method} ${path}: ${res.status} ${json.error}`);
  return json.data;
}

/** Everything written so far under the statefulset's key has been reconciled. */
const settle = async () => {
  const kv = await etcd.store.get(`/desired/statefulsets/${scope}/db`);
  await ctl.kernel.services.get('reconciler', 'test').idle(kv?.modRevision);
};

async function until(cond: () => Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function pods(): Promise<{ name: string; id: string; state: string }[]> {
  const list = await docker.listContainers({ all: true, filters: { label: [`voodu.scope=${scope}`, 'voodu.kind=statefulset', 'voodu.role=statefulset'] } });
  return list.map((c) => ({ name: c.Names[0]!.slice(1), id: c.Id, state: c.State })).sort((a, b) => a.name.localeCompare(b.name));
}

async function exec(container: string, cmd: string[]): Promise<{ exitCode: number; stdout: string }> {
  return ctl.kernel.services.get('runtime', 'test').exec(container, { cmd });
}

async function volumes(): Promise<string[]> {
  const { Volumes } = await docker.listVolumes({ filters: { label: [`voodu.scope=${scope}`] } });
  return (Volumes ?? []).map((v) => v.Name).sort();
}

test.serial('three ordinals come up bottom-up with their own volumes, DNS and identity', async (t) => {
  await call('POST', '/apply', sts(3));
  await settle();
  const list = await pods();
  t.deepEqual(list.map((p) => p.name), [`${scope}-db.0`, `${scope}-db.1`, `${scope}-db.2`]);
  t.true(list.every((p) => p.state === 'running'));
  t.deepEqual(await volumes(), [0, 1, 2].map((n) => `voodu-${scope}-db-data-${n}`));
  const vol = await docker.getVolume(`voodu-${scope}-db-data-1`).inspect();
  t.like(vol.Labels, { 'voodu.kind': 'statefulset', 'voodu.name': 'db', 'voodu.replica_ordinal': '1', 'voodu.claim': 'data' });

  const env = await exec(`${scope}-db.1`, ['sh', '-c', 'echo $VOODU_REPLICA_ORDINAL $VOODU_SCOPE $VOODU_NAME']);
  t.is(env.stdout.trim(), `1 ${scope} db`);
  // Per-pod and shared aliases resolve from a sibling.
  const dns = await exec(`${scope}-db.0`, ['sh', '-c', `nslookup db-1.${scope} 127.0.0.11 && nslookup db.${scope}.voodu 127.0.0.11`]);
  t.is(dns.exitCode, 0, dns.stdout);
  await exec(`${scope}-db.1`, ['sh', '-c', 'echo survived > /data/marker']);
  const status = await call('GET', `/describe?kind=statefulset&scope=${scope}&name=db`);
  t.is(status.status.replicas, 3);
  t.is(status.status.releases.length, 1);
});

test.serial('a spec change rolls pods top-down in place, and data in a pod volume survives', async (t) => {
  const before = await pods();
  await call('POST', '/apply', sts(3, { MODE: 'two' }));
  await settle();
  const after = await pods();
  t.deepEqual(after.map((p) => p.name), before.map((p) => p.name), 'names are stable');
  t.true(after.every((p, i) => p.id !== before[i]!.id), 'every pod was replaced');
  const marker = await exec(`${scope}-db.1`, ['cat', '/data/marker']);
  t.is(marker.stdout.trim(), 'survived');
  t.is((await exec(`${scope}-db.2`, ['sh', '-c', 'echo $MODE'])).stdout.trim(), 'two');
});

test.serial('scale down removes the top ordinal first and keeps its volume', async (t) => {
  await call('POST', '/apply', sts(2, { MODE: 'two' }));
  await settle();
  t.deepEqual((await pods()).map((p) => p.name), [`${scope}-db.0`, `${scope}-db.1`]);
  t.true((await volumes()).includes(`voodu-${scope}-db-data-2`));
});

test.serial('restart replaces every pod in place, through the kind-neutral endpoint', async (t) => {
  const before = await pods();
  const answer = await call('POST', `/restart?kind=statefulset&scope=${scope}&name=db`);
  t.like(answer, { kind: 'statefulset', replicas: 2, unfroze: [] });
  await settle();
  const after = await pods();
  t.deepEqual(after.map((p) => p.name), before.map((p) => p.name));
  t.true(after.every((p, i) => p.id !== before[i]!.id && p.state === 'running'));
  t.is((await exec(`${scope}-db.1`, ['cat', '/data/marker'])).stdout.trim(), 'survived');
});

test.serial('describe lists the pods and the volumes', async (t) => {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c) => (text += c));
  const code = await main(['node', 'voodu', '--controller-url', ctl.url, 'describe', 'statefulset', `${scope}/db`], { stdout: out, stderr: new PassThrough(), env: { VOODU_ROOT: ctl.root } });
  t.is(code, 0, text);
  t.regex(text, /pods \(2\):\n\s+NAME\s+REPLICA\s+RELEASE\s+IMAGE\s+STATUS\s+CREATED/);
  t.regex(text, new RegExp(`${scope}-db\\.1\\s+1\\s`));
  t.regex(text, new RegExp(`volumes \\(3\\):[\\s\\S]*voodu-${scope}-db-data-2`));
});

test.serial('a pod removed by hand comes back with its data', async (t) => {
  await docker.getContainer(`${scope}-db.1`).remove({ force: true });
  await new Promise((r) => setTimeout(r, 500)); // the destroy event queues the repair
  await settle();
  t.deepEqual((await pods()).map((p) => p.name), [`${scope}-db.0`, `${scope}-db.1`]);
  t.is((await exec(`${scope}-db.1`, ['cat', '/data/marker'])).stdout.trim(), 'survived');
});

test.serial('a frozen ordinal is left alone by reconciles until it is started again', async (t) => {
  const stopped = await call('POST', `/pods/${scope}-db.1/stop`);
  t.like(stopped, { name: `${scope}-db.1`, freeze: true });
  t.deepEqual(await etcd.store.getJSON(`/frozen/statefulsets/${scope}/db`), { replica_ids: ['1'] });
  await ctl.kernel.services.get('reconciler', 'test').reconcileNow({ kind: 'statefulset', scope, name: 'db' });
  await new Promise((r) => setTimeout(r, 1500)); // past the die-settle re-check
  await settle();
  t.is((await pods()).find((p) => p.name === `${scope}-db.1`)?.state, 'exited', 'a frozen pod was repaired');
  const started = await call('POST', `/pods/${scope}-db.1/start`);
  t.like(started, { recreated: true, unfroze: true });
  await until(async () => (await pods()).find((p) => p.name === `${scope}-db.1`)?.state === 'running', 'pod 1 to run again');
  t.is(await etcd.store.get(`/frozen/statefulsets/${scope}/db`), undefined);
  t.is((await exec(`${scope}-db.1`, ['cat', '/data/marker'])).stdout.trim(), 'survived');
});

test.serial('rebootstrap of one ordinal with prune starts it from an empty volume', async (t) => {
  const report = await call('DELETE', `/resource?scope=${scope}&name=db&ordinal=1&prune=true`);
  t.is(report.container_removed, `${scope}-db.1`);
  t.deepEqual(report.volumes_removed, [`voodu-${scope}-db-data-1`]);
  t.true(report.recreated);
  const marker = await exec(`${scope}-db.1`, ['sh', '-c', 'cat /data/marker 2>/dev/null || echo empty']);
  t.is(marker.stdout.trim(), 'empty');
});

test.serial('the CLI rebuilds one pod with delete <scope>/<name>.<n>', async (t) => {
  const before = (await pods()).find((p) => p.name === `${scope}-db.0`)!;
  const out = new PassThrough();
  let text = '';
  out.on('data', (c) => (text += c));
  const code = await main(['node', 'voodu', '--controller-url', ctl.url, 'delete', `${scope}/db.0`, '-y'], { stdout: out, stderr: new PassThrough(), env: { VOODU_ROOT: ctl.root } });
  t.is(code, 0, text);
  t.regex(text, new RegExp(`- container ${scope}-db\\.0 removed`));
  t.regex(text, /ordinal 0 recreated/);
  const after = (await pods()).find((p) => p.name === `${scope}-db.0`)!;
  t.not(after.id, before.id);
  t.is(after.state, 'running');
});

test.serial('a no-restart config change leaves the pods alone over later reconciles; restart rolls them onto the newest env', async (t) => {
  // Its own statefulset: the redis shape (a master ordinal stored with skip_restart after a failover).
  const ref = { kind: 'statefulset', scope, name: 'kv' };
  const kvPods = async () => (await pods()).filter((p) => p.name.startsWith(`${scope}-kv.`));
  const kvSettle = async () => {
    const kv = await etcd.store.get(`/desired/statefulsets/${scope}/kv`);
    await ctl.kernel.services.get('reconciler', 'test').idle(kv?.modRevision);
  };
  const valueIn = async (pod: string) => (await exec(pod, ['sh', '-c', 'echo $MASTER'])).stdout.trim();
  await call('POST', '/apply', { kind: 'statefulset', scope, name: 'kv', spec: { image: TEST_IMAGE, replicas: 2, command: ['sh', '-c', LOOP], env: { MASTER: '0' } } });
  await kvSettle();
  const before = await kvPods();
  t.deepEqual(before.map((p) => p.name), [`${scope}-kv.0`, `${scope}-kv.1`]);

  const stored = await call('POST', `/config?scope=${scope}&name=kv&restart=false`, { MASTER: '1' });
  t.deepEqual(stored.restarted, []);
  const reconciler = ctl.kernel.services.get('reconciler', 'test');
  await reconciler.reconcileNow(ref);
  reconciler.enqueue(ref, 'resync');
  await reconciler.idle();
  await reconciler.reconcileNow(ref);
  t.deepEqual((await kvPods()).map((p) => p.id), before.map((p) => p.id), 'no pod was rolled');
  t.is(await valueIn(`${scope}-kv.1`), '0', 'the running pods keep the env they started with');
  const file = await readFile(ctl.kernel.services.get('paths', 'test').envFile(`${scope}-kv`), 'utf8');
  t.regex(file, /^MASTER=1$/m, 'the env file has the new value for the next pod');

  // A pod recreated by repair picks the new env up, and that rolls nobody else.
  await docker.getContainer(`${scope}-kv.1`).remove({ force: true });
  await new Promise((r) => setTimeout(r, 500)); // the destroy event queues the repair
  await kvSettle();
  await until(async () => (await kvPods()).length === 2 && (await kvPods()).every((p) => p.state === 'running'), 'pod 1 to come back');
  await reconciler.reconcileNow(ref);
  const repaired = await kvPods();
  t.is(repaired[0]!.id, before[0]!.id, 'pod 0 was not rolled');
  t.is(await valueIn(`${scope}-kv.1`), '1');
  t.is(await valueIn(`${scope}-kv.0`), '0');

  await call('POST', `/restart?kind=statefulset&scope=${scope}&name=kv`);
  await kvSettle();
  const restarted = await kvPods();
  t.true(restarted.every((p, i) => p.id !== repaired[i]!.id && p.state === 'running'), 'restart replaced every pod');
  t.deepEqual([await valueIn(`${scope}-kv.0`), await valueIn(`${scope}-kv.1`)], ['1', '1']);
  await reconciler.reconcileNow(ref);
  t.deepEqual((await kvPods()).map((p) => p.id), restarted.map((p) => p.id), 'and they stay');
  await call('DELETE', `/apply?kind=statefulset&scope=${scope}&name=kv&prune=true`);
  await until(async () => (await kvPods()).length === 0, 'the kv pods to go');
});

test.serial('delete keeps volumes; delete with prune removes them', async (t) => {
  await call('DELETE', `/apply?kind=statefulset&scope=${scope}&name=db`);
  await until(async () => (await pods()).length === 0, 'the pods to go');
  t.true((await volumes()).length >= 2, 'volumes must survive a delete without prune');
  await call('POST', '/apply', sts(1));
  await settle();
  const res = await call('DELETE', `/apply?kind=statefulset&scope=${scope}&name=db&prune=true`);
  await until(async () => (await pods()).length === 0, 'the pods to go');
  t.true(res.pruned.volumes_removed.length >= 1, JSON.stringify(res.pruned));
});
