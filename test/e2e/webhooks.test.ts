/**
 * Webhooks end to end: a controller with
 * the deployment, probes, assets and webhooks modules against a real etcd
 * and Docker, and a loopback HTTP receiver. on_deploy success and failure,
 * retries and the drop line, on_probe failure → recovery (and none during a
 * planned teardown), and a body template read from an asset file. Each test
 * has its own scope and receiver path; containers are removed by scope.
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { keys } from '../../lib/identity.js';
import type { WorkloadStatus } from '../../modules/workload/contract.js';
import { bootModules, type ModuleController } from '../helpers/controller.js';
import { TEST_IMAGE, dockerClient, removeScopes, requireDocker } from '../helpers/docker.js';
import { startEtcd, type TestEtcd } from '../helpers/etcd.js';
import { waitFor as waitUntil } from '../helpers/wait.js';
import { callApi } from '../helpers/http.js';

const docker = dockerClient();
const prefix = `wh${randomBytes(2).toString('hex')}`;
const MODULES = ['paths', 'store', 'runtime', 'api', 'config', 'assets', 'reconciler', 'apply', 'webhooks', 'probes', 'workload', 'deployment', 'pods'];

interface Hit {
  method: string;
  headers: IncomingMessage['headers'];
  body: any;
}

/** Requests by path; each path answers the statuses set for it in turn (the last repeats), 200 by default. */
const hits = new Map<string, Hit[]>();
const statuses = new Map<string, number[]>();
const receiver = createServer((req, res) => {
  let raw = '';
  req.on('data', (c: Buffer) => (raw += c.toString()));
  req.on('end', () => {
    const path = req.url ?? '/';
    const list = hits.get(path) ?? [];
    let body: unknown = raw;
    try {
      body = JSON.parse(raw);
    } catch {
      // kept as text: the assertion will show it
    }
    list.push({ method: req.method ?? '', headers: req.headers, body });
    hits.set(path, list);
    const plan = statuses.get(path) ?? [200];
    res.writeHead(plan[list.length - 1] ?? plan[plan.length - 1]!);
    res.end();
  });
});
let base = '';

let etcd: TestEtcd;
let ctl: ModuleController;

test.before(async () => {
  await requireDocker(docker);
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  etcd = await startEtcd();
  ctl = await bootModules(etcd.endpoint, MODULES, {
    webhooks: { retryDelaysMs: [200, 200], attemptTimeoutMs: 3000 },
    workload: { readinessGraceMs: 1000, initRetryPauseMs: 100 },
    deployment: { readyTimeoutMs: 15_000 },
  });
});

test.after.always(async () => {
  await ctl?.stop();
  await etcd?.stop();
  await removeScopes(prefix, docker);
  await new Promise<void>((r) => receiver.close(() => r()));
});

let scopes = 0;
const newScope = () => `${prefix}s${++scopes}`;
const SLEEPER = 'trap "exit 0" TERM; while true; do sleep 1000 & wait; done';

const dep = (scope: string, name: string, spec: Record<string, unknown>) => ({
  kind: 'deployment',
  scope,
  name,
  spec: { image: TEST_IMAGE, command: ['sh', '-c', SLEEPER], ...spec },
});

const call = (method: string, path: string, body?: unknown) => callApi(ctl, method, path, body);

async function apply(...manifests: unknown[]) {
  const res = await call('POST', '/apply', manifests);
  if (res.status !== 200) throw new Error(`apply: ${res.status} ${res.body.error}`);
}

/** Waits with the controller's last log lines in the timeout error. */
const waitFor = <T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 45_000) =>
  waitUntil(what, fn, { timeoutMs, context: () => `controller log:\n${ctl.logs.slice(-40).join('\n')}` });


const hitsOf = (path: string) => hits.get(path) ?? [];
const waitHits = (path: string, n: number, timeoutMs?: number) => waitFor(`${n} request(s) on ${path}`, () => hitsOf(path).length >= n && hitsOf(path), timeoutMs);
/** Lets in-flight work land before asserting that something did NOT happen. */
const quiet = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function replicaNames(scope: string, name: string): Promise<string[]> {
  const list = await docker.listContainers({ filters: { label: [`voodu.scope=${scope}`, `voodu.name=${name}`, 'voodu.role=deployment'] } });
  return list.map((c) => c.Names[0]!.replace(/^\//, '')).sort();
}

const status = (scope: string, name: string) => ctl.kernel.services.get('store', 'test').getJSON<WorkloadStatus>(keys.status('deployment', scope, name));

test.serial('on_deploy success: a templated body, POST, JSON content type and the forced User-Agent; none when nothing rolled; again on an env change', async (t) => {
  const scope = newScope();
  const path = `/${scope}/success`;
  const onDeploy = {
    success: [{ url: base + path, headers: { 'User-Agent': 'spoofed', 'X-Team': 'ops' }, body: { text: '{{name}} {{status}} {{release_id}}', meta: { scope: '{{scope}}', keep: '{{unknown}}' } } }],
  };
  await apply(dep(scope, 'web', { on_deploy: onDeploy }));
  const [first] = await waitHits(path, 1);
  const st = await waitFor('a release record', async () => (await status(scope, 'web'))?.releases?.[0]);
  t.is(first!.method, 'POST');
  t.is(first!.headers['content-type'], 'application/json');
  t.is(first!.headers['user-agent'], 'voodu-deploy-webhook');
  t.is(first!.headers['x-team'], 'ops');
  t.deepEqual(first!.body, { text: `web success ${st.id}`, meta: { scope, keep: '{{unknown}}' } });

  // Nothing created or rolled: no deploy, no webhook.
  await ctl.kernel.services.get('reconciler', 'test').reconcileNow({ kind: 'deployment', scope, name: 'web' });
  await ctl.kernel.services.get('webhooks', 'test').idle();
  await quiet(500);
  t.is(hitsOf(path).length, 1, 'a reconcile that changed nothing sends nothing');

  // An env change rolls the replica: a deploy.
  await apply(dep(scope, 'web', { on_deploy: onDeploy, env: { LEVEL: '2' } }));
  const second = await waitHits(path, 2);
  const st2 = await status(scope, 'web');
  t.is(second[1]!.body.text, `web success ${st2?.releases?.[0]?.id}`);
  t.not(second[1]!.body.text, second[0]!.body.text);
});

test.serial('on_deploy failure: a replica whose init fails sends the default failure payload with the error', async (t) => {
  const scope = newScope();
  const path = `/${scope}/failure`;
  await apply(
    dep(scope, 'bad', {
      inits: [{ name: 'check', command: ['sh', '-c', 'exit 4'] }],
      on_deploy: { success: [{ url: `${base}/${scope}/never` }], failure: [{ url: base + path }] },
    }),
  );
  const [hit] = await waitHits(path, 1);
  t.like(hit!.body, { kind: 'deployment', scope, name: 'bad', status: 'failure' });
  t.regex(hit!.body.error, /init "check" for replica [0-9a-f]{4} failed/);
  t.regex(hit!.body.started_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  t.regex(hit!.body.completed_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  t.is(hitsOf(`/${scope}/never`).length, 0, 'the success slot did not fire');
});

test.serial('retries: 500, 500, 200 is delivered on attempt 3; always 500 is dropped after exactly 3 attempts with one log line', async (t) => {
  const scope = newScope();
  const flaky = `/${scope}/flaky`;
  const down = `/${scope}/down?token=s3cr3t`;
  statuses.set(flaky, [500, 500, 200]);
  statuses.set(down, [500]);
  await apply(dep(scope, 'api', { on_deploy: { success: [{ url: base + flaky }, { url: base + down }] } }));
  const line = await waitFor('the drop line', () => ctl.logs.find((l) => l.includes(`deployment/${scope}/api on_deploy webhook (success[2/2]) dropped after retries`)));
  await waitFor('the delivery line', () => ctl.logs.find((l) => l.includes(`deployment/${scope}/api on_deploy webhook (success[1/2]) delivered`) && l.includes('(attempt 3)')));
  t.is(hitsOf(flaky).length, 3);
  t.is(hitsOf(down).length, 3);
  t.regex(line, /3 attempt\(s\), last: HTTP 500/);
  t.false(ctl.logs.some((l) => l.includes('s3cr3t')), 'the URL query never reaches the log');
  await quiet(1000);
  t.is(hitsOf(flaky).length, 3, 'no attempt after the success');
  t.is(hitsOf(down).length, 3, 'no fourth attempt');
});

test.serial('on_probe: failure on the unhealthy edge, recovery on the next healthy one, and no recovery without a failure', async (t) => {
  const scope = newScope();
  const fail = `/${scope}/probe-failure`;
  const recover = `/${scope}/probe-recovery`;
  await apply(
    dep(scope, 'web', {
      command: ['sh', '-c', `touch /tmp/ok; ${SLEEPER}`],
      probes: { readiness: { exec: { command: ['test', '-e', '/tmp/ok'] }, period: '1s', failure_threshold: 1 } },
      on_probe: {
        failure: [{ url: base + fail, body: { text: '{{pod}} {{probe}} {{transition}}', id: '{{transition_id}}', why: '{{reason}}' } }],
        recovery: [{ url: base + recover }],
      },
    }),
  );
  const [pod] = await waitFor('a replica', async () => {
    const names = await replicaNames(scope, 'web');
    return names.length > 0 && names;
  });
  await waitFor('ready', async () => (await call('GET', `/pods/${pod}/ready`)).status === 200);
  await quiet(1500);
  t.is(hitsOf(recover).length, 0, 'the first healthy edge is no recovery');
  t.is(hitsOf(fail).length, 0);

  const runtime = ctl.kernel.services.get('runtime', 'test');
  t.is((await runtime.exec(pod!, { cmd: ['rm', '/tmp/ok'] })).exitCode, 0);
  const [f] = await waitHits(fail, 1);
  t.is(f!.body.text, `${pod} readiness unhealthy`);
  t.regex(f!.body.id, /^[0-9a-f]{12}$/);
  t.regex(f!.body.why, /exec \["test","-e","\/tmp\/ok"\]: exit 1/);
  t.is(hitsOf(recover).length, 0);

  t.is((await runtime.exec(pod!, { cmd: ['touch', '/tmp/ok'] })).exitCode, 0);
  const [r] = await waitHits(recover, 1);
  t.like(r!.body, { kind: 'deployment', scope, name: 'web', status: '', pod, probe: 'readiness', transition: 'healthy' });
  t.regex(r!.body.transition_id, /^[0-9a-f]{12}$/);
  t.not(r!.body.transition_id, f!.body.id);
  t.regex(r!.body.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  await quiet(1500);
  t.is(hitsOf(fail).length, 1);
  t.is(hitsOf(recover).length, 1);
});

test.serial('on_probe: an edge while a replica is being stopped (scale-down) sends nothing', async (t) => {
  const scope = newScope();
  const fail = `/${scope}/teardown`;
  // On SIGTERM the replica fails its probe at once but takes 4 s to exit: the edge lands mid-teardown.
  const script = `touch /tmp/ok; trap "rm -f /tmp/ok; sleep 4; exit 0" TERM; while true; do sleep 1000 & wait; done`;
  const spec = {
    command: ['sh', '-c', script],
    probes: { readiness: { exec: { command: ['test', '-e', '/tmp/ok'] }, period: '1s', failure_threshold: 1 } },
    on_probe: { failure: [{ url: base + fail }] },
  };
  await apply(dep(scope, 'web', { ...spec, replicas: 2 }));
  const pods = await waitFor('two ready replicas', async () => {
    const names = await replicaNames(scope, 'web');
    if (names.length !== 2) return false;
    for (const p of names) if ((await call('GET', `/pods/${p}/ready`)).status !== 200) return false;
    return names;
  });
  await apply(dep(scope, 'web', { ...spec, replicas: 1 }));
  const gone = await waitFor('one replica retired', async () => {
    const names = await replicaNames(scope, 'web');
    return names.length === 1 && pods.find((p) => !names.includes(p));
  });
  // The edge did happen (so the test can fail): the probes module logged it.
  t.true(ctl.logs.some((l) => l.includes(`${gone}: readiness unhealthy`)), `no unhealthy edge for ${gone}:\n${ctl.logs.slice(-30).join('\n')}`);
  await quiet(1500);
  await ctl.kernel.services.get('webhooks', 'test').idle();
  t.is(hitsOf(fail).length, 0, 'a planned teardown is not a probe failure');
});

test.serial('on_probe: a liveness failure restarts the container, and its recovery after the restart is still sent', async (t) => {
  const scope = newScope();
  const fail = `/${scope}/live-failure`;
  const recover = `/${scope}/live-recovery`;
  // Healthy only from the second start on: the first start fails liveness and gets restarted in place.
  const script = `if [ -e /tmp/started ]; then touch /tmp/ok; fi; touch /tmp/started; ${SLEEPER}`;
  await apply(
    dep(scope, 'live', {
      command: ['sh', '-c', script],
      probes: { liveness: { exec: { command: ['test', '-e', '/tmp/ok'] }, period: '1s', failure_threshold: 1 } },
      on_probe: { failure: [{ url: base + fail }], recovery: [{ url: base + recover }] },
    }),
  );
  const [f] = await waitHits(fail, 1);
  const [r] = await waitHits(recover, 1);
  t.like(f!.body, { probe: 'liveness', transition: 'unhealthy' });
  t.like(r!.body, { probe: 'liveness', transition: 'healthy', pod: f!.body.pod });
  t.true(ctl.logs.some((l) => l.includes(`${f!.body.pod}: liveness probe failed`)), 'it was restarted by the probe');
});

test.serial('a file body from an asset: the template is read at fire time and its tokens replaced', async (t) => {
  const scope = newScope();
  const path = `/${scope}/file`;
  await apply(
    { kind: 'asset', scope, name: 'hooks', spec: { files: { tpl: '{"msg":"{{name}} failed","nested":{"err":"{{error}}"},"list":["{{scope}}"]}' } } },
    dep(scope, 'filed', {
      inits: [{ name: 'check', command: ['sh', '-c', 'exit 3'] }],
      on_deploy: { failure: [{ url: base + path, file: '${asset.hooks.tpl}' }] },
    }),
  );
  const [hit] = await waitHits(path, 1);
  t.is(hit!.body.msg, 'filed failed');
  t.deepEqual(hit!.body.list, [scope]);
  t.regex(hit!.body.nested.err, /init "check" for replica [0-9a-f]{4} failed/);
  t.deepEqual(Object.keys(hit!.body).sort(), ['list', 'msg', 'nested']);
});
