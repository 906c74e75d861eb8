/**
 * Converge, no-op and teardown of one stack, voodu beside the raw-API limit
 * (and docker compose when it is installed), in one run on the same engine:
 *
 *   cold      apply → every replica running
 *   no-op     the same apply again → answered (nothing to do)
 *   first     apply of one small deployment → the engine's create event, p50 of
 *             10, beside a raw createContainer → its event
 *   teardown  delete the scope → every container gone
 *   rollout   a config change of one deployment of 4 such replicas, no
 *             probe → 4 successors running and every old one gone, with
 *             max_surge 1 (the default) and 4; beside it the floor: one
 *             container's start + the readiness grace + one stop grace
 *
 * The replicas run `sleep`, which as PID 1 ignores SIGTERM, so a teardown
 * waits out the stop grace period (10 s unless --grace) as real apps that
 * do not handle the signal make it wait. The limit is dockerode itself:
 * create+start at the best of a few concurrencies, then stop (with the same
 * grace) and remove every container at once.
 *
 *   node --import=tsx scripts/bench-converge.ts [--deployments 25] [--replicas 2] [--grace 10s]
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import Docker from 'dockerode';
import { bootController } from '../test/helpers/controller.js';
import { TEST_IMAGE } from '../test/helpers/docker.js';
import { startEtcd } from '../test/helpers/etcd.js';
import { apiFetch } from '../test/helpers/http.js';

const run = promisify(execFile);
const { values } = parseArgs({ options: { deployments: { type: 'string', default: '25' }, replicas: { type: 'string', default: '2' }, grace: { type: 'string', default: '10s' } } });
const deployments = Number(values.deployments);
const replicas = Number(values.replicas);
const graceSec = Number(String(values.grace).replace(/s$/, ''));
const total = deployments * replicas;
const docker = new Docker();
const COMMAND = ['sleep', '3600'];
const scope = `bench${process.pid}`;

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
async function until(what: string, fn: () => Promise<boolean>, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const countLabelled = async (label: string, all = true) => (await docker.listContainers({ all, filters: { label: [label] } })).length;

async function benchVoodu(): Promise<{ cold: number; noop: number; teardown: number }> {
  const etcd = await startEtcd();
  const ctl = await bootController({ flags: ['--etcd-endpoints', etcd.endpoint, '--log-level', 'error'] });
  const manifests = Array.from({ length: deployments }, (_, i) => ({
    kind: 'deployment',
    scope,
    name: `svc${i}`,
    spec: { image: TEST_IMAGE, replicas, command: COMMAND, stop_grace_period: `${graceSec}s` },
  }));
  const apply = async () => {
    const res = await apiFetch(ctl, '/apply', { method: 'POST', body: JSON.stringify(manifests), headers: { 'content-type': 'application/json' } });
    if (!res.ok) throw new Error(`apply: ${res.status} ${await res.text()}`);
  };
  try {
    let t = performance.now();
    await apply();
    await until('voodu: every replica running', async () => (await countLabelled(`voodu.scope=${scope}`, false)) === total);
    const cold = performance.now() - t;
    t = performance.now();
    await apply();
    const noop = performance.now() - t;
    t = performance.now();
    const del = await apiFetch(ctl, `/scope?scope=${scope}`, { method: 'DELETE' });
    if (!del.ok) throw new Error(`delete: ${del.status}`);
    await until('voodu: every container gone', async () => (await countLabelled(`voodu.scope=${scope}`)) === 0);
    return { cold, noop, teardown: performance.now() - t };
  } finally {
    await ctl.cleanup();
    await etcd.stop();
  }
}

/** Resolves with the client time (performance.now) of the next container `create` event carrying `label`. */
async function nextCreate(label: string): Promise<{ seen: Promise<number>; close: () => void }> {
  const stream = (await docker.getEvents({ filters: { type: ['container'], event: ['create'], label: [label] } })) as NodeJS.ReadableStream & { destroy(): void };
  const seen = new Promise<number>((resolve) => stream.once('data', () => resolve(performance.now())));
  return { seen, close: () => stream.destroy() };
}

/**
 * Apply → the engine reports the first container created, one small
 * deployment at a time, beside the same wait for a raw createContainer call:
 * the difference is what the controller adds before Docker starts working.
 */
async function benchFirstCreate(samples: number): Promise<{ voodu: number[]; raw: number[] }> {
  const etcd = await startEtcd();
  const ctl = await bootController({ flags: ['--etcd-endpoints', etcd.endpoint, '--log-level', 'error'] });
  const s = `${scope}f`;
  const out = { voodu: [] as number[], raw: [] as number[] };
  try {
    for (let i = 0; i < samples; i++) {
      const watch = await nextCreate(`voodu.scope=${s}`);
      const t = performance.now();
      const body = JSON.stringify([{ kind: 'deployment', scope: s, name: `one${i}`, spec: { image: TEST_IMAGE, replicas: 1, command: COMMAND } }]);
      const res = await apiFetch(ctl, '/apply', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      if (!res.ok) throw new Error(`apply: ${res.status} ${await res.text()}`);
      out.voodu.push((await watch.seen) - t);
      watch.close();

      const rawWatch = await nextCreate(`bench.first=${s}`);
      const r = performance.now();
      await docker.createContainer({ name: `${scope}-rawfirst${i}`, Image: TEST_IMAGE, Cmd: COMMAND, Labels: { 'bench.first': s }, HostConfig: { NetworkMode: 'voodu0' } });
      out.raw.push((await rawWatch.seen) - r);
      rawWatch.close();
    }
    return out;
  } finally {
    await apiFetch(ctl, `/scope?scope=${s}&grace=0s`, { method: 'DELETE' }).catch(() => undefined);
    await until('voodu: the first-create scope gone', async () => (await countLabelled(`voodu.scope=${s}`)) === 0).catch(() => undefined);
    await ctl.cleanup();
    await etcd.stop();
  }
}

/** One deployment of 4 SIGTERM-ignoring replicas, rolled by an env change with the given max_surge. */
async function benchRollout(maxSurge: number): Promise<number> {
  const etcd = await startEtcd();
  const ctl = await bootController({ flags: ['--etcd-endpoints', etcd.endpoint, '--log-level', 'error'] });
  const s = `${scope}r${maxSurge}`;
  const manifest = (v: string) => [{ kind: 'deployment', scope: s, name: 'web', spec: { image: TEST_IMAGE, replicas: 4, command: COMMAND, stop_grace_period: `${graceSec}s`, max_surge: maxSurge, env: { V: v } } }];
  const apply = async (v: string) => {
    const res = await apiFetch(ctl, '/apply', { method: 'POST', body: JSON.stringify(manifest(v)), headers: { 'content-type': 'application/json' } });
    if (!res.ok) throw new Error(`apply: ${res.status} ${await res.text()}`);
  };
  try {
    await apply('1');
    await until('voodu: 4 replicas running', async () => (await countLabelled(`voodu.scope=${s}`, false)) === 4);
    const old = new Set((await docker.listContainers({ all: true, filters: { label: [`voodu.scope=${s}`] } })).map((c) => c.Id));
    const t = performance.now();
    await apply('2');
    await until('voodu: 4 successors running, the old ones gone', async () => {
      const all = await docker.listContainers({ all: true, filters: { label: [`voodu.scope=${s}`] } });
      return all.length === 4 && all.every((c) => !old.has(c.Id) && c.State === 'running');
    });
    return performance.now() - t;
  } finally {
    await apiFetch(ctl, `/scope?scope=${s}&grace=0s`, { method: 'DELETE' }).catch(() => undefined);
    await until('voodu: the rollout scope gone', async () => (await countLabelled(`voodu.scope=${s}`)) === 0).catch(() => undefined);
    await ctl.cleanup();
    await etcd.stop();
  }
}

/** The floor of any rolling update of these replicas: create+start one container, then stop one with the grace. */
async function rolloutFloor(readinessGraceMs: number): Promise<number> {
  const t = performance.now();
  const c = await docker.createContainer({ name: `${scope}-raw-floor`, Image: TEST_IMAGE, Cmd: COMMAND, StopTimeout: graceSec, HostConfig: { NetworkMode: 'voodu0' } });
  await c.start();
  await new Promise((r) => setTimeout(r, readinessGraceMs));
  await c.stop().catch(() => undefined);
  await c.remove({ force: true });
  return performance.now() - t;
}

async function mapLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

async function benchRaw(concurrency: number): Promise<{ cold: number; teardown: number }> {
  const label = `bench.raw=${scope}-${concurrency}`;
  const names = Array.from({ length: total }, (_, i) => `${scope}-raw${concurrency}-${i}`);
  let t = performance.now();
  await mapLimit(names, concurrency, async (name) => {
    const c = await docker.createContainer({
      name,
      Image: TEST_IMAGE,
      Cmd: COMMAND,
      Labels: { 'bench.raw': `${scope}-${concurrency}` },
      StopTimeout: graceSec,
      HostConfig: { NetworkMode: 'voodu0', RestartPolicy: { Name: 'unless-stopped' } },
    });
    await c.start();
  });
  const cold = performance.now() - t;
  t = performance.now();
  const list = await docker.listContainers({ all: true, filters: { label: [label] } });
  await Promise.all(list.map(async (c) => {
    await docker.getContainer(c.Id).stop().catch(() => undefined);
    await docker.getContainer(c.Id).remove({ force: true });
  }));
  return { cold, teardown: performance.now() - t };
}

async function benchCompose(): Promise<{ cold: number; noop: number; teardown: number; recreate: number } | string> {
  const bin = await run('docker-compose', ['version']).then(() => 'docker-compose', () => undefined);
  if (!bin) return 'docker compose is not installed (Debian: apt-get install docker-compose)';
  const dir = await mkdtemp(join(tmpdir(), 'bench-compose-'));
  const services = Array.from({ length: deployments }, (_, i) =>
    `  svc${i}:\n    image: ${TEST_IMAGE}\n    command: ${JSON.stringify(COMMAND)}\n    stop_grace_period: ${graceSec}s\n    deploy: { replicas: ${replicas} }\n`,
  ).join('');
  await writeFile(join(dir, 'compose.yml'), `services:\n${services}`);
  const compose = (...args: string[]) => run(bin, ['-p', `${scope}c`, ...args], { cwd: dir, maxBuffer: 16 * 1024 * 1024 });
  try {
    let t = performance.now();
    await compose('up', '-d');
    const cold = performance.now() - t;
    t = performance.now();
    await compose('up', '-d');
    const noop = performance.now() - t;
    t = performance.now();
    await compose('down');
    const teardown = performance.now() - t;
    // The rollout's peer: one service of 4 replicas recreated by an environment change.
    const one = (v: string) => writeFile(join(dir, 'compose.yml'), `services:\n  web:\n    image: ${TEST_IMAGE}\n    command: ${JSON.stringify(COMMAND)}\n    stop_grace_period: ${graceSec}s\n    environment: { V: "${v}" }\n    deploy: { replicas: 4 }\n`);
    await one('1');
    await compose('up', '-d');
    await one('2');
    t = performance.now();
    await compose('up', '-d');
    const recreate = performance.now() - t;
    await compose('down');
    return { cold, noop, teardown, recreate };
  } finally {
    await compose('down').catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

const READINESS_GRACE_MS = 3000;

try {
  console.log(`stack: ${deployments} deployments × ${replicas} replicas = ${total} containers of ${TEST_IMAGE} ${JSON.stringify(COMMAND)}; stop grace ${graceSec} s`);
  const voodu = await benchVoodu();
  const raw = [];
  for (const c of [4, 8, 16]) raw.push({ c, ...(await benchRaw(c)) });
  const bestRaw = raw.reduce((a, b) => (b.cold < a.cold ? b : a));
  const compose = await benchCompose();
  const rolls: [number, number][] = [];
  for (const surge of [1, 2, 4]) rolls.push([surge, await benchRollout(surge)]);
  const floor = await rolloutFloor(READINESS_GRACE_MS);
  const first = await benchFirstCreate(10);
  console.log('');
  console.log('work       voodu       raw dockerode (best)   docker compose      voodu / raw');
  const composeCell = (k: 'cold' | 'noop' | 'teardown') => (typeof compose === 'string' ? '—' : seconds(compose[k]));
  console.log(`cold       ${seconds(voodu.cold).padEnd(11)} ${`${seconds(bestRaw.cold)} (×${bestRaw.c})`.padEnd(22)} ${composeCell('cold').padEnd(19)} ${(voodu.cold / bestRaw.cold).toFixed(2)}`);
  console.log(`no-op      ${seconds(voodu.noop).padEnd(11)} ${'—'.padEnd(22)} ${composeCell('noop').padEnd(19)} —`);
  console.log(`teardown   ${seconds(voodu.teardown).padEnd(11)} ${seconds(bestRaw.teardown).padEnd(22)} ${composeCell('teardown').padEnd(19)} ${(voodu.teardown / bestRaw.teardown).toFixed(2)}`);
  for (const [k, [surge, took]] of rolls.entries()) {
    const peer = k === 0 && typeof compose !== 'string' ? `${seconds(compose.recreate)} (recreate)` : '—';
    console.log(`rollout    ${seconds(took).padEnd(11)} ${`${seconds(floor)} (floor)`.padEnd(22)} ${peer.padEnd(19)} ${(took / floor).toFixed(2)}   (4 replicas, max_surge ${surge})`);
  }
  const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`first create p50 ${p50(first.voodu).toFixed(0)} ms (apply → the engine's create event) vs raw createContainer → its event ${p50(first.raw).toFixed(0)} ms: voodu adds ${(p50(first.voodu) - p50(first.raw)).toFixed(0)} ms (10 samples each)`);
  console.log(`raw create+start by concurrency: ${raw.map((r) => `×${r.c} ${seconds(r.cold)}`).join(', ')}`);
  if (typeof compose === 'string') console.log(`compose: ${compose}`);
} finally {
  const left = await docker.listContainers({ all: true, filters: { label: [`voodu.scope=${scope}`] } });
  const rawLeft = (await docker.listContainers({ all: true })).filter((c) => c.Names.some((n) => n.startsWith(`/${scope}-raw`)));
  await Promise.all([...left, ...rawLeft].map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  process.exit(0);
}
