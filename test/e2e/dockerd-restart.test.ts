/**
 * The Docker engine restarts under a running controller (a package upgrade,
 * an OOM kill of dockerd). The controller runs against an engine of the
 * test's own (helpers/private-dockerd.ts), which the test stops and starts
 * twice. Afterwards the controller must still follow the engine's events:
 * a replica recreated after the restarts gets its probe runners (its
 * `/ready` answers, and its liveness probe restarts it when it fails), and
 * a replica removed while the controller was not following events yet is
 * replaced once it follows them again (the events of that gap are lost, so
 * the reconciler resyncs everything when the stream comes back).
 *
 * The controller waits 8–10 s before its first re-subscription here, so the
 * removal right after the second restart falls in that gap every time (the
 * test checks it does): without the resync on resume only a reconcile retry
 * still pending from the outage or the 60 s periodic resync replaces it.
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { bootModules, type ModuleController } from '../helpers/controller.js';
import { TEST_IMAGE, requireDocker } from '../helpers/docker.js';
import { startEtcd, type TestEtcd } from '../helpers/etcd.js';
import { callApi } from '../helpers/http.js';
import { startPrivateDockerd, type PrivateDockerd } from '../helpers/private-dockerd.js';
import { waitFor as waitUntil } from '../helpers/wait.js';

const MODULES = ['paths', 'store', 'runtime', 'api', 'config', 'assets', 'reconciler', 'apply', 'probes', 'workload', 'deployment', 'pods'];
const scope = `dr${randomBytes(2).toString('hex')}`;
// Alive while /tmp/alive exists: the liveness probe reads it, the test removes it.
const SCRIPT = 'touch /tmp/alive; trap "exit 0" TERM; while true; do sleep 1000 & wait; done';
const alive = { exec: { command: ['test', '-e', '/tmp/alive'] }, period: '1s', failure_threshold: 2 };
const manifest = { kind: 'deployment', scope, name: 'web', spec: { image: TEST_IMAGE, command: ['sh', '-c', SCRIPT], probes: { liveness: alive, readiness: alive } } };

let engine: PrivateDockerd;
let etcd: TestEtcd;
let ctl: ModuleController;

test.before(async () => {
  await requireDocker();
  engine = await startPrivateDockerd([TEST_IMAGE]);
  etcd = await startEtcd();
  ctl = await bootModules(etcd.endpoint, MODULES, {
    runtime: { socketPath: engine.socketPath },
    deployment: { readyTimeoutMs: 8000 },
    reconciler: { eventsRetryBaseMs: 10_000 },
  });
});

test.after.always(async () => {
  if (process.env.VOODU_TEST_DUMP) process.stderr.write(`controller log:\n${ctl?.logs.join('\n')}\n`);
  // Bounded: a shutdown that waits on a call the engine never answers must not hold the suite. Stopping
  // the engine ends such calls, so the controller's stop is awaited again after it, bounded too.
  const stopping = ctl?.stop();
  const bounded = (p: Promise<unknown> | undefined) => Promise.race([p, new Promise((r) => setTimeout(r, 20_000).unref())]);
  await bounded(stopping);
  await engine?.cleanup();
  await bounded(stopping);
  await etcd?.stop();
});

const waitFor = <T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 45_000) =>
  waitUntil(what, fn, { timeoutMs, context: () => `controller log:\n${ctl.logs.slice(-60).join('\n')}` });

/** Whether the controller follows the engine's events, from its log: a break since the last resumption says not. */
function followingEvents(): boolean {
  const lastBreak = ctl.logs.findLastIndex((l) => /docker event stream ended|cannot follow docker events/.test(l));
  const lastResume = ctl.logs.findLastIndex((l) => l.includes('following docker events again'));
  return lastBreak < lastResume || lastBreak === -1;
}

async function replicas(): Promise<{ id: string; name: string; startedAt: string }[]> {
  const list = await engine.docker.listContainers({ filters: { label: [`voodu.scope=${scope}`, 'voodu.name=web', 'voodu.role=deployment'] } });
  return Promise.all(
    list.map(async (c) => ({ id: c.Id, name: c.Names[0]!.replace(/^\//, ''), startedAt: (await engine.docker.getContainer(c.Id).inspect()).State.StartedAt })),
  );
}

test.serial('after dockerd restarts twice, a recreated replica gets its probe runners and a removed one is replaced', async (t) => {
  t.timeout(240_000);
  const applied = await callApi(ctl, 'POST', '/apply', [manifest]);
  t.is(applied.status, 200, applied.body.error);
  await waitFor('one running replica', async () => (await replicas()).length === 1);

  for (let round = 1; round <= 2; round++) {
    await engine.stop();
    await waitFor('the controller to see the engine gone', async () => followingEvents() === false);
    await new Promise((r) => setTimeout(r, 1000)); // gone for a while, not just a blip
    await engine.start();
    await waitFor(`a running replica after engine restart ${round}`, async () => (await replicas()).length === 1);
  }

  // Removed behind the controller's back while it does not follow events yet: replaced, with probe runners.
  const [before] = await replicas();
  await engine.docker.getContainer(before!.id).remove({ force: true });
  const removedAt = Date.now();
  t.false(followingEvents(), 'the removal fell in the events gap (else this test proves nothing about the resync)');
  const successor = await waitFor('a successor replica', async () => {
    const now = await replicas();
    return now.length === 1 && now[0]!.id !== before!.id && now[0];
  });
  t.log(`replaced ${Date.now() - removedAt} ms after the removal`);

  const ready = await waitFor('the successor ready through its readiness runner', async () => {
    const r = await callApi(ctl, 'GET', `/pods/${successor.name}/ready`);
    return r.status === 200 && r;
  });
  t.is(ready.body.data.readiness.container_name, successor.name);

  // Its liveness runner restarts it once the probe fails.
  const exec = await engine.docker.getContainer(successor.id).exec({ Cmd: ['rm', '-f', '/tmp/alive'], AttachStdout: true, AttachStderr: true });
  await new Promise<void>((resolve, reject) => exec.start({}, (err: unknown, stream: NodeJS.ReadableStream | undefined) => (err ? reject(err) : stream!.on('end', () => resolve()).resume())));
  await waitFor('a liveness restart of the successor', async () => {
    const now = await replicas();
    const same = now.find((r) => r.id === successor.id);
    return same ? same.startedAt !== successor.startedAt : now.length === 1;
  });
  t.true(ctl.logs.some((l) => l.includes(`${successor.name}: liveness probe failed 2 time(s)`)), 'the liveness failure is logged');
});
