/**
 * Probes end to end: a controller with the
 * probes module against a real etcd and Docker. Readiness flips 503 → 200
 * when the server comes up; liveness restarts a container; startup gates
 * readiness; a second controller on the same etcd answers `/ready` again;
 * a rollout waits for the real readiness probe and stops on one that never
 * passes. Each test has its own scope; containers are removed by scope.
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { keys } from '../../lib/identity.js';
import type { WorkloadStatus } from '../../modules/workload/contract.js';
import { bootModules, type ModuleController } from '../helpers/controller.js';
import { TEST_IMAGE, dockerClient, removeScopes, requireDocker } from '../helpers/docker.js';
import { startEtcd, type TestEtcd } from '../helpers/etcd.js';
import { waitFor } from '../helpers/wait.js';
import { callApi } from '../helpers/http.js';

const docker = dockerClient();
const prefix = `pr${randomBytes(2).toString('hex')}`;
const MODULES = ['paths', 'store', 'runtime', 'api', 'config', 'assets', 'reconciler', 'apply', 'probes', 'workload', 'deployment', 'pods'];


const boot = (etcdEndpoint: string) => bootModules(etcdEndpoint, MODULES, { deployment: { readyTimeoutMs: 8000 } });

let etcd: TestEtcd;
let ctl: ModuleController;

test.before(async () => {
  await requireDocker(docker);
  etcd = await startEtcd();
  ctl = await boot(etcd.endpoint);
});

test.after.always(async () => {
  await ctl?.stop();
  await etcd?.stop();
  await removeScopes(prefix, docker);
});

let scopes = 0;
const newScope = () => `${prefix}s${++scopes}`;
const SLEEPER = 'trap "exit 0" TERM; while true; do sleep 1000 & wait; done';
const WEB = 'echo ok > /tmp/index.html; trap "exit 0" TERM; httpd -f -p 8080 -h /tmp & wait';
const httpProbe = { http_get: { path: '/index.html', port: 8080 }, period: '1s', failure_threshold: 1 };

const dep = (scope: string, name: string, script: string, probes: Record<string, unknown>) => ({
  kind: 'deployment',
  scope,
  name,
  spec: { image: TEST_IMAGE, command: ['sh', '-c', script], probes },
});

const call = (c: ModuleController, method: string, path: string, body?: unknown) => callApi(c, method, path, body);

async function apply(c: ModuleController, ...manifests: unknown[]) {
  const res = await call(c, 'POST', '/apply', manifests);
  if (res.status !== 200) throw new Error(`apply: ${res.status} ${res.body.error}`);
}


async function replicaNames(scope: string, name: string): Promise<string[]> {
  const list = await docker.listContainers({ filters: { label: [`voodu.scope=${scope}`, `voodu.name=${name}`, 'voodu.role=deployment'] } });
  return list.map((c) => c.Names[0]!.replace(/^\//, '')).sort();
}

const firstReplica = (scope: string, name: string) => waitFor(`a replica of ${scope}/${name}`, async () => (await replicaNames(scope, name))[0]);

test.serial('readiness flips 503 → 200 when the server comes up; 404 and 400 for unknown and bad names', async (t) => {
  const scope = newScope();
  await apply(ctl, dep(scope, 'web', `sleep 4; ${WEB}`, { readiness: httpProbe }));
  const pod = await firstReplica(scope, 'web');
  const first = await waitFor('a probe runner', async () => {
    const r = await call(ctl, 'GET', `/pods/${pod}/ready`);
    return r.status !== 404 && r;
  });
  t.is(first.status, 503);
  t.like(first.body.data.readiness, { container_name: pod, ready: false, startup_passed: false });
  t.regex(first.body.data.readiness.replica_id, /^[0-9a-f]{4}$/);
  const ok = await waitFor('ready', async () => {
    const r = await call(ctl, 'GET', `/pods/${pod}/ready`);
    return r.status === 200 && r;
  });
  t.like(ok.body, { status: 'ok', data: { readiness: { container_name: pod, ready: true, readiness_phase: 'healthy' } } });
  t.regex(ok.body.data.readiness.reason, /GET http:\/\/[\d.]+:8080\/index.html → 200/);
  t.truthy(Date.parse(ok.body.data.readiness.last_transition));

  const st = await waitFor('persisted readiness', async () => {
    const s = await ctl.kernel.services.get('store', 'test').getJSON<WorkloadStatus>(keys.status('deployment', scope, 'web'));
    return (s?.replica_readiness?.[pod] as { ready?: boolean } | undefined)?.ready === true && s;
  });
  t.truthy(st);
  t.is((await call(ctl, 'GET', `/pods/${scope}-nope.0000/ready`)).status, 404);
  t.is((await call(ctl, 'GET', `/pods/.bad/ready`)).status, 400);
});

test.serial('liveness restarts a container after failure_threshold failures', async (t) => {
  const scope = newScope();
  await apply(ctl, dep(scope, 'sick', SLEEPER, { liveness: { tcp_socket: { port: 9999 }, period: '1s', failure_threshold: 2 } }));
  const pod = await firstReplica(scope, 'sick');
  const before = await docker.getContainer(pod).inspect();
  await waitFor('a liveness restart', async () => {
    const now = await docker.getContainer(pod).inspect().catch(() => undefined);
    // Restarted in place (new start time) — or, if the repair loop got there first, replaced.
    if (now) return now.State.Running && now.State.StartedAt !== before.State.StartedAt;
    const names = await replicaNames(scope, 'sick');
    return names.length > 0 && !names.includes(pod);
  });
  t.true(ctl.logs.some((l) => l.includes(`${pod}: liveness probe failed 2 time(s)`) && l.includes('dial')), 'the reason is logged');
});

test.serial('startup gates readiness', async (t) => {
  const scope = newScope();
  const probes = {
    startup: { exec: { command: ['test', '-f', '/tmp/started'] }, period: '1s', failure_threshold: 30 },
    readiness: { exec: { command: ['true'] }, period: '1s' },
  };
  await apply(ctl, dep(scope, 'slow', `sleep 5; touch /tmp/started; ${SLEEPER}`, probes));
  const pod = await firstReplica(scope, 'slow');
  const gated = await waitFor('readiness healthy but startup pending', async () => {
    const r = await call(ctl, 'GET', `/pods/${pod}/ready`);
    return r.status === 503 && r.body.data.readiness.readiness_phase === 'healthy' && r;
  });
  t.like(gated.body.data.readiness, { ready: false, startup_passed: false });
  const ok = await waitFor('ready after startup', async () => {
    const r = await call(ctl, 'GET', `/pods/${pod}/ready`);
    return r.status === 200 && r;
  });
  t.like(ok.body.data.readiness, { ready: true, startup_passed: true, readiness_phase: 'healthy' });
});

test.serial('a restarted controller answers /ready again for existing replicas', async (t) => {
  const scope = newScope();
  await apply(ctl, dep(scope, 'keep', WEB, { readiness: httpProbe }));
  const pod = await firstReplica(scope, 'keep');
  await waitFor('ready', async () => (await call(ctl, 'GET', `/pods/${pod}/ready`)).status === 200);
  const id = (await docker.getContainer(pod).inspect()).Id;
  await ctl.stop();
  ctl = await boot(etcd.endpoint);
  const r = await waitFor('ready on the new controller', async () => {
    const res = await call(ctl, 'GET', `/pods/${pod}/ready`);
    return res.status === 200 && res;
  }, 15_000);
  t.is(r.body.data.readiness.container_name, pod);
  t.is((await docker.getContainer(pod).inspect()).Id, id, 'the same container, not a recreated one');
});

test.serial('a rollout waits for the readiness probe and stops on a replica that never passes it', async (t) => {
  const scope = newScope();
  const m = dep(scope, 'api', WEB, { readiness: httpProbe });
  await apply(ctl, m);
  await ctl.kernel.services.get('reconciler', 'test').reconcileNow({ kind: 'deployment', scope, name: 'api' });
  const good = await replicaNames(scope, 'api');
  t.is(good.length, 1);
  // Same probe, but nothing ever listens on 8080: the successor never becomes ready.
  await apply(ctl, { ...m, spec: { ...m.spec, command: ['sh', '-c', SLEEPER] } });
  const err = await ctl.kernel.services
    .get('reconciler', 'test')
    .reconcileNow({ kind: 'deployment', scope, name: 'api' })
    .then(() => undefined, (e: Error) => e);
  t.regex(err?.message ?? '', /did not become ready: not ready after 8 s \(readiness probe: GET http:\/\/[\d.]+:8080\/index.html: /);
  t.deepEqual(await replicaNames(scope, 'api'), good, 'the old replica keeps serving; the successor is gone');
  const st = await ctl.kernel.services.get('store', 'test').getJSON<WorkloadStatus>(keys.status('deployment', scope, 'api'));
  t.regex(st?.last_rollout_error ?? '', /readiness probe/);
});
