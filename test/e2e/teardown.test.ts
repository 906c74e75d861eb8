/**
 * Stopping workloads against a real etcd and Docker: `stop_grace_period`
 * and `stop_signal` reach the containers and every stop honours them, a
 * deleted scope is torn down all at once (its resources in parallel, in the
 * reconciler's teardown lane), and `--grace` overrides the period for one
 * command. The apps here ignore SIGTERM, as many do when they run as PID 1.
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { bootModules, type ModuleController } from '../helpers/controller.js';
import { TEST_IMAGE, dockerClient, removeScopes, requireDocker } from '../helpers/docker.js';
import { startEtcd, type TestEtcd } from '../helpers/etcd.js';
import { callApi } from '../helpers/http.js';
import { waitFor } from '../helpers/wait.js';

const docker = dockerClient();
const prefix = `td${randomBytes(2).toString('hex')}`;
const MODULES = ['paths', 'store', 'runtime', 'api', 'config', 'assets', 'reconciler', 'apply', 'workload', 'deployment', 'statefulset', 'pods', 'events'];
/** PID 1 with no TERM handler: the kernel ignores the signal, only the kill after the grace period ends it. */
const DEAF = ['sh', '-c', 'trap "" TERM; while true; do sleep 1; done'];

let etcd: TestEtcd;
let ctl: ModuleController;
let work: string;

test.before(async () => {
  await requireDocker(docker);
  etcd = await startEtcd();
  ctl = await bootModules(etcd.endpoint, MODULES, { workload: { readinessGraceMs: 300 } });
  work = await mkdtemp(join(tmpdir(), 'voodu-teardown-'));
  await chmod(work, 0o777);
});
test.after.always(async () => {
  await ctl?.stop();
  await etcd?.stop();
  await removeScopes(prefix, docker);
  if (work) await rm(work, { recursive: true, force: true });
});

let n = 0;
const scope = () => `${prefix}s${++n}`;
const logs = async () => ctl.logs.slice(-20).join('\n');

async function containers(s: string, all = true) {
  return docker.listContainers({ all, filters: { label: [`voodu.scope=${s}`] } });
}

async function applyAll(manifests: unknown[]): Promise<void> {
  const r = await callApi(ctl, 'POST', '/apply', manifests);
  if (r.status !== 200) throw new Error(`apply: ${r.status} ${r.body.error}`);
}

async function running(s: string, want: number): Promise<void> {
  await waitFor(`${want} running containers in ${s}`, async () => (await containers(s, false)).length === want, { timeoutMs: 60_000, context: logs });
}

test.serial('stop_grace_period and stop_signal are validated with the field named', async (t) => {
  const bad = await callApi(ctl, 'POST', '/apply', [{ kind: 'deployment', scope: 'x', name: 'a', spec: { image: TEST_IMAGE, stop_grace_period: 'soon' } }]);
  t.is(bad.status, 400);
  t.regex(bad.body.error ?? '', /stop_grace_period/);
  const signal = await callApi(ctl, 'POST', '/apply', [{ kind: 'deployment', scope: 'x', name: 'a', spec: { image: TEST_IMAGE, stop_signal: 'kill -9' } }]);
  t.is(signal.status, 400);
  t.regex(signal.body.error ?? '', /stop_signal: must be a signal name/);
  const long = await callApi(ctl, 'POST', '/apply', [{ kind: 'deployment', scope: 'x', name: 'a', spec: { image: TEST_IMAGE, stop_grace_period: '2h' } }]);
  t.regex(long.body.error ?? '', /stop_grace_period: must be at most 1h/);
});

test.serial('the container carries the signal and the period; a delete sends that signal and kills after that period', async (t) => {
  t.timeout(90_000);
  const s = scope();
  // Traps USR1 (writes where the test can read it after the container is gone), then ignores it.
  const app = ['sh', '-c', `trap "echo got-usr1 >> /out/${s}" USR1; trap "" TERM; while true; do sleep 1 & wait; done`];
  await applyAll([{ kind: 'deployment', scope: s, name: 'web', spec: { image: TEST_IMAGE, replicas: 1, command: app, volumes: [`${work}:/out`], stop_signal: 'USR1', stop_grace_period: '2s' } }]);
  await running(s, 1);
  const [c] = await containers(s, false);
  const config = (await docker.getContainer(c!.Id).inspect()).Config as { StopSignal?: string; StopTimeout?: number };
  t.is(config.StopSignal, 'SIGUSR1');
  t.is(config.StopTimeout, 2);

  const started = Date.now();
  t.is((await callApi(ctl, 'DELETE', `/apply?kind=deployment&scope=${s}&name=web`)).status, 200);
  await waitFor('the replica gone', async () => (await containers(s)).length === 0, { timeoutMs: 20_000, context: logs });
  const took = Date.now() - started;
  t.log(`deleted a USR1-trapping, TERM-ignoring replica with stop_grace_period = 2s in ${took} ms`);
  t.regex(await readFile(join(work, s), 'utf8'), /got-usr1/, 'the stop signal never reached the app');
  t.true(took >= 2000, `killed before its grace period (${took} ms)`);
  t.true(took < 8000, `the grace period was not honoured (${took} ms, default is 10 s)`);
});

test.serial('a scope of 20 replicas that ignore SIGTERM, with stop_grace_period = "2s", is torn down in under 6 s', async (t) => {
  t.timeout(120_000);
  const s = scope();
  const manifests = Array.from({ length: 10 }, (_, i) => ({ kind: 'deployment', scope: s, name: `d${i}`, spec: { image: TEST_IMAGE, replicas: 2, command: DEAF, stop_grace_period: '2s' } }));
  await applyAll(manifests);
  await running(s, 20);
  const started = Date.now();
  const r = await callApi(ctl, 'DELETE', `/scope?scope=${s}`);
  t.is(r.status, 200, r.body.error);
  await waitFor('every container of the scope gone', async () => (await containers(s)).length === 0, { timeoutMs: 30_000, intervalMs: 50, context: logs });
  const took = Date.now() - started;
  t.log(`scope of 10 deployments × 2 deaf replicas torn down in ${took} ms`);
  t.true(took < 6000, `took ${took} ms`);
});

test.serial('voodu delete --grace 0s stops at once, whatever stop_grace_period says; a bad grace is refused before anything is deleted', async (t) => {
  t.timeout(120_000);
  const s = scope();
  await applyAll([{ kind: 'deployment', scope: s, name: 'web', spec: { image: TEST_IMAGE, replicas: 3, command: DEAF, stop_grace_period: '30s' } }]);
  await running(s, 3);
  const bad = await runCli(['delete', s, '--grace', 'soon', '-y'], { target: ctl });
  t.is(bad.code, 1);
  t.regex(bad.stderr, /query\.grace: "soon" is not a grace period/);
  t.is((await containers(s, false)).length, 3, 'a refused delete deleted something');

  const started = Date.now();
  const r = await runCli(['delete', s, '--grace', '0s', '-y'], { target: ctl });
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /stopped 3 container\(s\) with a 0s grace period/);
  await waitFor('the replicas gone', async () => (await containers(s)).length === 0, { timeoutMs: 20_000, context: logs });
  const took = Date.now() - started;
  t.log(`--grace 0s over stop_grace_period = 30s: gone in ${took} ms`);
  t.true(took < 5000, `took ${took} ms`);
});

test.serial('a scope deleted while its replicas are still being created leaves no container behind', async (t) => {
  // Each apply lands while the previous deployments' replicas are being created and started; the delete
  // comes while the last ones are mid-create. Their create and start events then reach the reconciler
  // after the delete did, and must not stand in for it (a stopped replica was left behind for good).
  const s = scope();
  for (let i = 0; i < 10; i++) {
    await applyAll([{ kind: 'deployment', scope: s, name: `one${i}`, spec: { image: TEST_IMAGE, replicas: 1, command: DEAF } }]);
    await waitFor(`the container of one${i} created`, async () => (await containers(s)).length >= i + 1, { timeoutMs: 30_000, context: logs });
  }
  const del = await callApi(ctl, 'DELETE', `/scope?scope=${s}&grace=0s`);
  t.is(del.status, 200, del.body.error);
  t.is(del.body.data.deleted.length, 10);
  await waitFor('every container of the scope gone', async () => (await containers(s)).length === 0, {
    timeoutMs: 30_000,
    context: async () => `left: ${(await containers(s)).map((c) => `${c.Names[0]} ${c.State}`).join(', ')}\n${await logs()}`,
  });
  t.pass();
});
