/**
 * The autoscaler end to end: a controller with
 * the deployment and autoscaler modules against a real etcd and Docker, its
 * clock driven by the test with synthetic times. A replica that burns CPU
 * makes it scale up to max (and no further), re-applying keeps the chosen
 * count, and once the burn stops it scales back down to min (and no
 * further). A controller booted again against the same etcd keeps the
 * cooldown the previous one started. Containers the controller makes are
 * removed by scope label.
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { keys, type Manifest } from '../../lib/identity.js';
import type { AutoscaleStatus } from '../../modules/autoscaler/evaluate.js';
import type { WorkloadStatus } from '../../modules/workload/contract.js';
import { bootModules, type ModuleController } from '../helpers/controller.js';
import { TEST_IMAGE, dockerClient, removeScopes, requireDocker } from '../helpers/docker.js';
import { startEtcd, type TestEtcd } from '../helpers/etcd.js';
import { waitFor as waitUntil } from '../helpers/wait.js';
import { callApi } from '../helpers/http.js';

const docker = dockerClient();
const prefix = `as${randomBytes(2).toString('hex')}`;
const scope = `${prefix}s1`;
const MODULES = ['paths', 'store', 'runtime', 'api', 'config', 'assets', 'reconciler', 'apply', 'workload', 'deployment', 'autoscaler'];

let etcd: TestEtcd;
let ctl: ModuleController;

/** A controller against the test's etcd; booted again to play a restart. */
const boot = () => bootModules(etcd.endpoint, MODULES, { autoscaler: { intervalMs: 1000 }, deployment: { readyTimeoutMs: 8000 } }, { manualClock: true });

test.before(async () => {
  await requireDocker(docker);
  etcd = await startEtcd();
  ctl = await boot();
});

test.after.always(async () => {
  await ctl?.stop();
  await etcd?.stop();
  // Removing the containers is what stops any burn still running.
  await removeScopes(prefix, docker);
});

// Busy until /tmp/idle exists, and never longer than 90 s whatever happens to the test.
const BURN = 't=$(($(date +%s)+90)); while [ ! -e /tmp/idle ] && [ $(date +%s) -lt $t ]; do :; done; trap "exit 0" TERM; while true; do sleep 1000 & wait; done';
const SLEEPER = 'trap "exit 0" TERM; while true; do sleep 1000 & wait; done';
const AUTOSCALE = { min: 1, max: 2, cpu_target: 20, cooldown_up: '30s', cooldown_down: '60s' };
// What the CLI sends: replicas seeded to autoscale.min (lib/manifest deploymentDefaults).
const web = { kind: 'deployment', scope, name: 'web', spec: { image: TEST_IMAGE, command: ['sh', '-c', BURN], replicas: 1, autoscale: AUTOSCALE } };
const plain = { kind: 'deployment', scope, name: 'plain', spec: { image: TEST_IMAGE, command: ['sh', '-c', SLEEPER], replicas: 1 } };

const call = (method: string, path: string, body?: unknown) => callApi(ctl, method, path, body);

/** Waits with the controller's last log lines in the timeout error. */
const waitFor = <T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 45_000) =>
  waitUntil(what, fn, { timeoutMs, context: () => `controller log:\n${ctl.logs.slice(-15).join('\n')}` });


const store = () => ctl.kernel.services.get('store', 'test');
const storedReplicas = async (name: string) => (await store().getJSON<Manifest>(keys.desired({ kind: 'deployment', scope, name })))?.spec['replicas'];
const statusOf = (name: string) => store().getJSON<WorkloadStatus>(keys.status('deployment', scope, name));

async function running(name: string): Promise<{ id: string; name: string }[]> {
  const list = await docker.listContainers({ filters: { label: [`voodu.scope=${scope}`, `voodu.name=${name}`, 'voodu.role=deployment'] } });
  return list.map((c) => ({ id: c.Id, name: c.Names[0]!.replace(/^\//, '') })).sort((a, b) => a.name.localeCompare(b.name));
}
const waitRunning = (name: string, n: number) => waitFor(`${n} running replica(s) of ${name}`, async () => {
  const r = await running(name);
  return r.length === n && r;
});

/** The latest synthetic time ticked: a later test starts past it, or the cadence would drop its ticks. */
let lastTick = 0;

/**
 * One evaluation at synthetic time `now`, returned once its decision for
 * deployment `name` is recorded. A tick that lands while the previous round
 * is still winding down is dropped by the cadence, so the tick is repeated
 * until it counts.
 */
async function evaluateAt(name: string, now: number): Promise<AutoscaleStatus> {
  const at = new Date(now).toISOString();
  lastTick = Math.max(lastTick, now);
  return waitFor(`the evaluation of ${name} at ${at}`, async () => {
    await ctl.kernel.clock.tick(now);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const a = (await statusOf(name))?.['autoscale'] as AutoscaleStatus | undefined;
      if (a?.decided_at === at) return a;
      await new Promise((r) => setTimeout(r, 100));
    }
    return undefined;
  }, 60_000);
}

test.serial('scales up on CPU to max and no further, keeps the count on re-apply, scales down to min once the burn stops', async (t) => {
  const applied = await call('POST', '/apply', [web, plain]);
  t.is(applied.status, 200, applied.body.error);
  const [first] = await waitRunning('web', 1);
  await waitRunning('plain', 1);

  const t0 = Math.floor(Date.now() / 1000) * 1000;
  // First evaluation: the busy replica reads ~100% of a core against a 22% threshold → one step up, no cooldown yet.
  const up = await evaluateAt('web', t0);
  t.log(`t0: ${JSON.stringify(up)}`);
  t.like(up, { action: 'up', current: 1, replicas: 2, target: 20, scale_up_above: 22, scale_down_below: 14 });
  t.true(up.mean_cpu > 22, `mean ${up.mean_cpu}`);
  t.deepEqual(up.pods_sampled, [first!.name]);
  t.like(up.last_scale, { from: 1, to: 2 });
  t.is(await storedReplicas('web'), 2);
  t.true(ctl.logs.some((l) => l.includes(`deployment/${scope}/web: scaled up 1 → 2`) && l.includes('mean_cpu=') && l.includes('current=1')), 'the decision is logged with its numbers');

  // The deployment reconciles the new count by adding a replica; the first one stays (no rolling restart).
  const two = await waitRunning('web', 2);
  t.true(two.some((r) => r.id === first!.id), 'the original replica was not replaced');

  // Still busy, at max: further ticks hold at 2.
  for (const dt of [15_000, 30_000]) {
    const held = await evaluateAt('web', t0 + dt);
    t.log(`t0+${dt / 1000}s: ${JSON.stringify(held)}`);
    t.like(held, { action: 'hold', current: 2, replicas: 2 });
    t.regex(held.reason, /already at max 2/);
    t.is(await storedReplicas('web'), 2);
  }

  // Decision 11: the CLI's re-apply carries the seeded replicas = 1; the autoscaler's 2 is kept, dry run included.
  const dry = await call('POST', '/apply?dry_run=true', [web]);
  t.is(dry.status, 200, dry.body.error);
  t.is(dry.body.data.applied[0].spec.replicas, 2);
  const again = await call('POST', '/apply', [web]);
  t.is(again.status, 200, again.body.error);
  t.is(again.body.data.applied[0].spec.replicas, 2);
  t.is(await storedReplicas('web'), 2);
  // A deployment without autoscale keeps what was applied.
  const plain2 = await call('POST', '/apply', [{ ...plain, spec: { ...plain.spec, replicas: 2 } }]);
  t.is(plain2.status, 200, plain2.body.error);
  t.is(await storedReplicas('plain'), 2);
  await waitRunning('plain', 2);
  t.deepEqual((await running('web')).map((r) => r.id).sort(), two.map((r) => r.id).sort(), 'the re-apply changed no replica');

  // Stop the burn in every replica.
  const runtime = ctl.kernel.services.get('runtime', 'test');
  for (const r of await running('web')) {
    const res = await runtime.exec(r.id, { cmd: ['touch', '/tmp/idle'] });
    t.is(res.exitCode, 0, res.stderr);
  }

  // Idle, past cooldown_down (60 s) even counted from the scale-up: one step down.
  const down = await evaluateAt('web', t0 + 75_000);
  t.log(`t0+75s: ${JSON.stringify(down)}`);
  t.like(down, { action: 'down', current: 2, replicas: 1 });
  t.true(down.mean_cpu < 14, `mean ${down.mean_cpu}`);
  t.like(down.last_scale, { from: 2, to: 1 });
  t.is(await storedReplicas('web'), 1);
  await waitRunning('web', 1);

  // At min: no further.
  const floor = await evaluateAt('web', t0 + 150_000);
  t.log(`t0+150s: ${JSON.stringify(floor)}`);
  t.like(floor, { action: 'hold', current: 1, replicas: 1 });
  t.regex(floor.reason, /already at min 1/);
  t.is(await storedReplicas('web'), 1);

  // The deployment without autoscale was never touched by the autoscaler.
  t.is(await storedReplicas('plain'), 2);
  t.is((await statusOf('plain'))?.['autoscale'], undefined);

  // `describe` shows the last decision.
  const described = await call('GET', `/describe?kind=deployment&scope=${scope}&name=web`);
  t.is(described.status, 200, described.body.error);
  t.like(described.body.data.status.autoscale, { action: 'hold', replicas: 1, last_scale: { from: 2, to: 1 } });
});

test.serial('cooldowns survive a controller restart: the next controller holds inside cooldown_up, then scales once it has passed', async (t) => {
  t.timeout(240_000);
  const again = { kind: 'deployment', scope, name: 'again', spec: { image: TEST_IMAGE, command: ['sh', '-c', BURN], replicas: 1, autoscale: { ...AUTOSCALE, max: 3, cooldown_up: '30s' } } };
  const applied = await call('POST', '/apply', [again]);
  t.is(applied.status, 200, applied.body.error);
  await waitRunning('again', 1);

  const t1 = Math.max(Math.floor(Date.now() / 1000) * 1000, lastTick + 60_000);
  const up = await evaluateAt('again', t1);
  t.like(up, { action: 'up', current: 1, replicas: 2 });
  // Both replicas sampled before the restart, so the next judgement is 2 → 3, not a repeat of 1 → 2.
  await waitRunning('again', 2);

  // The restart: a new controller, nothing in memory, the same etcd.
  await ctl.stop();
  ctl = await boot();
  await waitRunning('again', 2);

  const held = await evaluateAt('again', t1 + 10_000);
  t.log(`t1+10s after the restart: ${JSON.stringify(held)}`);
  t.like(held, { action: 'hold', current: 2, replicas: 2 });
  t.regex(held.reason, /cooldown_up has 20s left/);
  t.is(await storedReplicas('again'), 2);

  const later = await evaluateAt('again', t1 + 31_000);
  t.log(`t1+31s: ${JSON.stringify(later)}`);
  t.like(later, { action: 'up', current: 2, replicas: 3 });
  t.is(await storedReplicas('again'), 3);

  // Stop the burn in every replica, the new one too.
  const runtime = ctl.kernel.services.get('runtime', 'test');
  for (const r of await waitRunning('again', 3)) {
    const res = await runtime.exec(r.id, { cmd: ['touch', '/tmp/idle'] });
    t.is(res.exitCode, 0, res.stderr);
  }
});
