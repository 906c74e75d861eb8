/**
 * Rolling updates with `max_surge`, against a real etcd and Docker: several
 * successors start at once, each readiness-gated, the ready count never
 * drops below `replicas` while it runs, and an old replica is retired in
 * the background (draining for its grace period) while the next successors
 * already start, so a rollout does not wait on the dead.
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { runCli } from '../helpers/cli.js';
import { bootModules, type ModuleController } from '../helpers/controller.js';
import { TEST_IMAGE, dockerClient, removeScopes, requireDocker } from '../helpers/docker.js';
import { startEtcd, type TestEtcd } from '../helpers/etcd.js';
import { callApi } from '../helpers/http.js';
import { waitFor } from '../helpers/wait.js';

const docker = dockerClient();
const prefix = `rs${randomBytes(2).toString('hex')}`;
const MODULES = ['paths', 'store', 'runtime', 'api', 'config', 'assets', 'reconciler', 'apply', 'probes', 'workload', 'deployment', 'pods', 'events', 'rollouts'];
/** Ready a second after start (the probe looks for the file); SIGTERM ends it at once. */
const POLITE = ['sh', '-c', 'trap "exit 0" TERM; (sleep 1; touch /tmp/ready) & while true; do sleep 1 & wait; done'];
/** Ready a second after start; ignores SIGTERM, as many apps running as PID 1 do: only the kill after the grace period ends it. */
const DEAF = ['sh', '-c', 'trap "" TERM; (sleep 1; touch /tmp/ready) & while true; do sleep 1; done'];
const readiness = { exec: { command: ['test', '-f', '/tmp/ready'] }, period: '1s', failure_threshold: 1 };

let etcd: TestEtcd;
let ctl: ModuleController;

test.before(async () => {
  await requireDocker(docker);
  etcd = await startEtcd();
  ctl = await bootModules(etcd.endpoint, MODULES, { deployment: { readyTimeoutMs: 20_000 } });
});
test.after.always(async () => {
  await ctl?.stop();
  await etcd?.stop();
  await removeScopes(prefix, docker);
});

let n = 0;
const scope = () => `${prefix}s${++n}`;
const logs = async () => ctl.logs.slice(-30).join('\n');

const dep = (s: string, spec: Record<string, unknown>) => ({ kind: 'deployment', scope: s, name: 'web', spec: { image: TEST_IMAGE, replicas: 4, probes: { readiness }, ...spec } });

async function apply(manifest: unknown): Promise<void> {
  const r = await callApi(ctl, 'POST', '/apply', [manifest]);
  if (r.status !== 200) throw new Error(`apply: ${r.status} ${r.body.error}`);
}

async function rollout(s: string): Promise<{ phase: string; ready: number; running: number; old: number }> {
  const r = await callApi(ctl, 'GET', `/rollout?kind=deployment&scope=${s}&name=web`);
  if (r.status !== 200) throw new Error(`rollout: ${r.status} ${r.body.error}`);
  return r.body.data;
}

async function converged(s: string, envValue: string): Promise<void> {
  await waitFor(
    `4 ready replicas of ${s}/web with V=${envValue}`,
    async () => {
      const list = await docker.listContainers({ filters: { label: [`voodu.scope=${s}`, 'voodu.role=deployment'] } });
      if (list.length !== 4) return false;
      const envs = await Promise.all(list.map(async (c) => ((await docker.getContainer(c.Id).inspect()).Config.Env ?? []).includes(`V=${envValue}`)));
      return envs.every(Boolean) && (await rollout(s)).ready === 4;
    },
    { timeoutMs: 60_000, context: logs },
  );
}

test.serial('max_surge is validated with the field named', async (t) => {
  for (const [bad, why] of [
    [0, /max_surge: .*at least 1|max_surge: must be/],
    ['lots', /max_surge: must be a number of replicas .* or a percentage/],
    ['150%', /max_surge: must be a number of replicas .* or a percentage/],
  ] as const) {
    const r = await callApi(ctl, 'POST', '/apply', [dep('x', { max_surge: bad })]);
    t.is(r.status, 400, `max_surge = ${JSON.stringify(bad)} accepted`);
    t.regex(r.body.error ?? '', why);
  }
});

test.serial('max_surge = 2: two successors at a time, never fewer ready replicas than `replicas`, sampled throughout', async (t) => {
  t.timeout(120_000);
  const s = scope();
  await apply(dep(s, { max_surge: 2, command: POLITE, env: { V: '1' } }));
  await converged(s, '1');

  // Sample the readiness the rollout endpoint reports, and what Docker runs, every 100 ms while the roll goes on.
  const samples: { ready: number; running: number }[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const st = await rollout(s);
      samples.push({ ready: st.ready, running: st.running });
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const startedAt = Date.now();
  await apply(dep(s, { max_surge: 2, command: POLITE, env: { V: '2' } }));
  try {
    await converged(s, '2');
  } finally {
    sampling = false;
    await sampler;
  }
  const took = Date.now() - startedAt;
  const minReady = Math.min(...samples.map((x) => x.ready));
  const maxRunning = Math.max(...samples.map((x) => x.running));
  t.log(`rolled 4 replicas, max_surge 2, in ${took} ms; ${samples.length} samples: ready ≥ ${minReady}, running ≤ ${maxRunning}`);
  t.true(samples.length >= 10, `too few samples (${samples.length}) to say anything`);
  t.true(minReady >= 4, `ready dropped to ${minReady} during the rollout`);
  t.true(maxRunning >= 6, `never more than ${maxRunning} running: the successors did not start two at a time`);
  // replicas + max_surge, and the batch before still on its way out (draining replicas are not counted, as in Kubernetes).
  t.true(maxRunning <= 8, `${maxRunning} running at once: more than replicas + 2 × max_surge`);
  const events = await runCli(['events', `deployment/${s}/web`, '-o', 'json'], { target: ctl });
  t.regex(events.stdout, /rolled 4 replica\(s\)/);
});

test.serial('old replicas are retired in the background: the next successors start while the previous ones still drain their grace period', async (t) => {
  t.timeout(120_000);
  const s = scope();
  const spec = (v: string) => dep(s, { max_surge: 2, command: DEAF, stop_grace_period: '4s', env: { V: v } });
  await apply(spec('1'));
  await converged(s, '1');
  const before = new Set((await docker.listContainers({ filters: { label: [`voodu.scope=${s}`, 'voodu.role=deployment'] } })).map((c) => c.Id));

  // Docker's own record of when each container was created and when each died, followed live (its
  // backlog holds only the last 256 events, and the exec probes fill it in seconds).
  const stream = (await docker.getEvents({ filters: { label: [`voodu.scope=${s}`], type: ['container'], event: ['create', 'die'] } })) as NodeJS.ReadableStream & { destroy(): void };
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const startedAt = Date.now();
  try {
    await apply(spec('2'));
    await converged(s, '2');
    await waitFor('the old replicas gone', async () => {
      const all = await docker.listContainers({ all: true, filters: { label: [`voodu.scope=${s}`, 'voodu.role=deployment'] } });
      return all.every((c) => !before.has(c.Id));
    }, { timeoutMs: 30_000, context: logs });
  } finally {
    stream.destroy();
  }
  const took = Date.now() - startedAt;
  const events = text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { status: string; id: string; timeNano: number });
  const creates = events.filter((e) => e.status === 'create' && !before.has(e.id)).map((e) => e.timeNano).sort((a, b) => a - b);
  const oldDeaths = events.filter((e) => e.status === 'die' && before.has(e.id)).map((e) => e.timeNano).sort((a, b) => a - b);
  t.is(creates.length, 4, 'four successors created');
  t.is(oldDeaths.length, 4, 'four old replicas died');
  t.log(`4 deaf replicas (stop_grace_period 4s) rolled with max_surge 2 in ${took} ms; first old replica died ${((oldDeaths[0]! - creates[2]!) / 1e6).toFixed(0)} ms after the third successor was created`);
  // Retiring in line would have waited out the first batch's 4 s before creating the third successor.
  t.true(creates[2]! < oldDeaths[0]!, 'the second batch of successors waited for the first batch of old replicas to die');
});

test.serial('a controller stopped mid-rollout, its successor never ready: the next one keeps the replica that serves and removes the successor', async (t) => {
  t.timeout(180_000);
  const s = scope();
  const one = (command: string[], v: string) => dep(s, { replicas: 1, command, env: { V: v } });
  await apply(one(POLITE, '1'));
  await waitFor('the first replica ready', async () => (await rollout(s)).ready === 1, { timeoutMs: 30_000, context: logs });
  const [serving] = await docker.listContainers({ filters: { label: [`voodu.scope=${s}`, 'voodu.role=deployment'] } });

  // The new spec never gets ready; stop the controller while its successor waits for readiness.
  const NEVER = ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1 & wait; done'];
  await apply(one(NEVER, '2'));
  await waitFor('the successor created', async () => (await docker.listContainers({ filters: { label: [`voodu.scope=${s}`, 'voodu.role=deployment'] } })).length === 2, { timeoutMs: 30_000, context: logs });
  await ctl.stop();
  ctl = await bootModules(etcd.endpoint, MODULES, { deployment: { readyTimeoutMs: 4000 } });

  // The serving replica runs throughout, while the new controller judges the successor and removes it.
  let outage = 0;
  await waitFor('the successor removed', async () => {
    const list = await docker.listContainers({ filters: { label: [`voodu.scope=${s}`, 'voodu.role=deployment'] } });
    if (!list.some((c) => c.Id === serving!.Id)) outage++;
    return list.length === 1 && list[0]!.Id === serving!.Id;
  }, { timeoutMs: 60_000, intervalMs: 200, context: logs });
  t.is(outage, 0, 'the serving replica was retired for a successor that never got ready');
  // The status is written after the removal, by the rest of that reconcile: wait for it, not for any answer.
  const st = await waitFor('the rollout status with the serving replica ready', async () => {
    const r = await rollout(s);
    return r.ready === 1 && r;
  }, { timeoutMs: 15_000, context: logs });
  t.is(st.ready, 1);
  t.regex(await logs(), /did not become ready/);
});
