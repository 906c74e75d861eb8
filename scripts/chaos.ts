/**
 * The fault suite's controller kill: the built controller (dist/) runs as
 * its own process on a real etcd (external, so it outlives the kill) and
 * Docker, managing a mix — two deployments rolled by a change before every
 * trial (`web` serves HTTP behind an ingress, through the bundled Caddy on
 * free loopback ports), a statefulset, a job with a timeout and a cronjob
 * every minute. A client polls `web` through Caddy every 50 ms for the
 * whole run. Each trial applies a change, waits a random moment (0–3 s:
 * mid-apply, mid-rollout, mid-scale), `kill -9`s the controller, starts a
 * new one and measures until the stack has converged on the newest spec.
 * Then it counts what went wrong:
 *
 *   lost        applied manifests no longer in etcd
 *   orphans     containers with voodu labels of this stack whose resource is not stored
 *   duplicates  replicas beyond the desired count, statefulset ordinals twice
 *   converged   every workload at its desired count on the newest spec within the limit
 *   failed      client requests through Caddy that did not answer 200, from the apply to convergence
 *
 *   node --import=tsx scripts/chaos.ts [--trials 20] [--limit 10]     (npm run build first)
 *
 * Exits 1 when any trial lost a manifest, left an orphan or a duplicate,
 * or did not converge within --limit seconds of the restart.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Docker from 'dockerode';
import { TEST_IMAGE } from '../test/helpers/docker.js';
import { startEtcd } from '../test/helpers/etcd.js';
import { freePort, freePorts } from '../test/helpers/ports.js';

const { values } = parseArgs({ options: { trials: { type: 'string', default: '20' }, limit: { type: 'string', default: '10' } } });
const trials = Number(values.trials);
const limitMs = Number(values.limit) * 1000;
const controllerJs = new URL('../dist/bin/voodu-controller.js', import.meta.url).pathname;
if (!existsSync(controllerJs)) throw new Error(`${controllerJs} is missing: run \`npm run build\` first`);
const docker = new Docker();
const scope = `chaos${process.pid}`;
const LOOP = ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1 & wait; done'];
const SERVE = ['sh', '-c', 'mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www'];
const HOST = `web.${scope}.test`;

const etcd = await startEtcd();
const root = await mkdtemp(join(tmpdir(), 'voodu-chaos-'));
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
let ctl: ChildProcess | undefined;
let token = '';
// Where the bundled caddy plugin puts Caddy: the controller's environment, which its plugin runs inherit.
const [caddyHttp, caddyHttps] = (await freePorts(2)) as [number, number];
const caddyName = `voodu-caddy-${scope}`;
const caddyEnv = {
  VOODU_CADDY_STATE_DIR: join(root, 'caddy-state'),
  VOODU_CADDY_CONTAINER: caddyName,
  VOODU_CADDY_HTTP_PORT: String(caddyHttp),
  VOODU_CADDY_HTTPS_PORT: String(caddyHttps),
  VOODU_CADDY_BIND: '127.0.0.1',
};

function startController(): ChildProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, ...caddyEnv };
  delete env.VOODU_CADDY_ADMIN_URL;
  return spawn(controllerJs, ['--root', root, '--http', `127.0.0.1:${port}`, '--pod-http', ':0', '--etcd-endpoints', etcd.endpoint, '--log-level', 'error'], { stdio: ['ignore', 'ignore', 'inherit'], env });
}

/** One GET through Caddy for `web`'s host: 200 or not. */
function throughCaddy(): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port: caddyHttp, path: '/', headers: { host: HOST }, agent: false, timeout: 2000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** The client: polls through Caddy until stopped, counting answers into whatever `window` is current. */
const client = { ok: 0, failed: 0, stop: false };
async function poll(): Promise<void> {
  while (!client.stop) {
    if (await throughCaddy()) client.ok++;
    else client.failed++;
    await sleep(50);
  }
}
async function api(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(base + path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until<T>(fn: () => Promise<T | undefined | false>, timeoutMs: number): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) return undefined;
    await sleep(100);
  }
}
async function healthy(timeoutMs = 30_000): Promise<boolean> {
  return !!(await until(async () => {
    token ||= (await readFile(join(root, 'api-token'), 'utf8')).trim();
    return (await fetch(`${base}/health`)).ok;
  }, timeoutMs));
}

/** The stack at trial `n`: the deployments' env and the web replica count change every trial. */
function stack(n: number) {
  return [
    { kind: 'deployment', scope, name: 'web', spec: { image: TEST_IMAGE, command: SERVE, ports: ['8080'], replicas: 2 + (n % 3), env: { TRIAL: String(n) }, stop_grace_period: '2s', max_surge: 2 } },
    { kind: 'ingress', scope, name: 'web', spec: { host: HOST, service: 'web', port: 8080 } },
    { kind: 'deployment', scope, name: 'worker', spec: { image: TEST_IMAGE, command: LOOP, replicas: 2, env: { TRIAL: String(n) }, stop_grace_period: '2s' } },
    { kind: 'statefulset', scope, name: 'db', spec: { image: TEST_IMAGE, command: LOOP, replicas: 1, stop_grace_period: '2s' } },
    { kind: 'job', scope, name: 'batch', spec: { image: TEST_IMAGE, command: ['sleep', '3600'], timeout: '5s' } },
    { kind: 'cronjob', scope, name: 'tick', spec: { schedule: '* * * * *', concurrency_policy: 'Forbid', job: { image: TEST_IMAGE, command: ['sleep', '2'] } } },
  ];
}

interface Check {
  converged: boolean;
  lost: number;
  orphans: number;
  duplicates: number;
}

/** Converged: each workload at its count, every replica running the newest env (statefulset: one per ordinal). */
async function check(n: number): Promise<Check> {
  const want = stack(n);
  const stored = await Promise.all(want.map(async (m) => (await api('GET', `/describe?kind=${m.kind}&scope=${scope}&name=${m.name}`)).status === 200));
  const lost = stored.filter((s) => !s).length;
  const all = await docker.listContainers({ all: true, filters: { label: [`voodu.scope=${scope}`] } });
  const names = new Set(want.map((m) => m.name));
  const orphans = all.filter((c) => !names.has(c.Labels['voodu.name'] ?? '')).length;
  let duplicates = 0;
  let converged = true;
  for (const m of want.filter((w) => w.kind === 'deployment' || w.kind === 'statefulset')) {
    const own = all.filter((c) => c.Labels['voodu.name'] === m.name && c.Labels['voodu.role'] === m.kind);
    const running = own.filter((c) => c.State === 'running');
    const replicas = (m.spec as { replicas: number }).replicas;
    if (m.kind === 'statefulset') {
      const ordinals = running.map((c) => c.Labels['voodu.replica_id'] ?? c.Names[0]);
      duplicates += ordinals.length - new Set(ordinals).size;
    } else if (running.length > replicas) {
      duplicates += running.length - replicas;
    }
    if (own.length !== replicas || running.length !== replicas) converged = false;
    if (m.kind === 'deployment') {
      const envs = await Promise.all(running.map(async (c) => (await docker.getContainer(c.Id).inspect()).Config.Env ?? []));
      if (!envs.every((e) => e.includes(`TRIAL=${n}`))) converged = false;
    }
  }
  return { converged, lost, orphans, duplicates };
}

interface Trial extends Check {
  killedAfterMs: number;
  convergeMs: number;
  requests: number;
  failed: number;
}

const results: Trial[] = [];
try {
  ctl = startController();
  if (!(await healthy())) throw new Error('the controller did not come up');
  let res = await api('POST', '/apply', stack(0));
  if (!res.ok) throw new Error(`apply: ${res.status} ${await res.text()}`);
  if (!(await until(async () => (await check(0)).converged, 120_000))) throw new Error('the stack never converged before the first trial');
  if (!(await until(throughCaddy, 90_000))) throw new Error(`Caddy never served ${HOST} before the first trial`);
  const polling = poll();
  console.log(`stack: deployments web (2–4 replicas, max_surge 2, behind Caddy) and worker (2), statefulset db (1), job batch (timeout 5s), cronjob tick (every minute); ${trials} trials, converge limit ${limitMs / 1000} s`);
  console.log('trial  killed after  converged in  lost  orphans  dups  requests  failed');
  for (let n = 1; n <= trials; n++) {
    const before = { ok: client.ok, failed: client.failed };
    res = await api('POST', '/apply', stack(n));
    if (!res.ok) throw new Error(`apply: ${res.status} ${await res.text()}`);
    // Every other trial also starts the job, so some kills land mid-run.
    if (n % 2 === 0) void api('POST', `/jobs/run?scope=${scope}&name=batch`).catch(() => undefined);
    const killedAfterMs = Math.floor(Math.random() * 3000);
    await sleep(killedAfterMs);
    ctl.kill('SIGKILL');
    await new Promise((r) => ctl!.once('exit', r));
    ctl = startController();
    const restarted = Date.now();
    if (!(await healthy())) throw new Error(`trial ${n}: the controller did not come back`);
    const done = await until(async () => ((await check(n)).converged ? true : undefined), limitMs * 3);
    const convergeMs = Date.now() - restarted;
    const c = await check(n);
    const failed = client.failed - before.failed;
    const requests = client.ok - before.ok + failed;
    const t: Trial = { ...c, converged: !!done && convergeMs <= limitMs, killedAfterMs, convergeMs, requests, failed };
    results.push(t);
    console.log(
      `${String(n).padStart(5)}  ${`${(killedAfterMs / 1000).toFixed(2)} s`.padStart(12)}  ${`${done ? (convergeMs / 1000).toFixed(1) : '—'} s`.padStart(12)}  ${String(t.lost).padStart(4)}  ${String(t.orphans).padStart(7)}  ${String(t.duplicates).padStart(4)}  ${String(requests).padStart(8)}  ${String(failed).padStart(6)}`,
    );
  }
  client.stop = true;
  await polling;
} finally {
  client.stop = true;
  await api('DELETE', `/scope?scope=${scope}&grace=0s`).catch(() => undefined);
  await until(async () => (await docker.listContainers({ all: true, filters: { label: [`voodu.scope=${scope}`] } })).length === 0, 60_000);
  if (ctl && ctl.exitCode === null) {
    const exited = new Promise((r) => ctl!.once('exit', r));
    ctl.kill('SIGTERM');
    await exited;
  }
  const left = await docker.listContainers({ all: true, filters: { label: [`voodu.scope=${scope}`] } });
  await Promise.all(left.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  await docker.getContainer(caddyName).remove({ force: true }).catch(() => undefined);
  await etcd.stop();
  await rm(root, { recursive: true, force: true });
}

const converged = results.filter((r) => r.converged).length;
const sum = (k: 'lost' | 'orphans' | 'duplicates') => results.reduce((a, r) => a + r[k], 0);
const maxConverge = Math.max(...results.map((r) => r.convergeMs));
console.log('');
const requests = results.reduce((a, r) => a + r.requests, 0);
console.log(
  `fault: controller kill -9 | trials ${results.length} | converged ${converged} | max converge ${(maxConverge / 1000).toFixed(1)} s | orphans ${sum('orphans')} | duplicates ${sum('duplicates')} | lost manifests ${sum('lost')} | failed client requests ${results.reduce((a, r) => a + r.failed, 0)} of ${requests}`,
);
process.exit(converged === results.length && results.length === trials && !sum('lost') && !sum('orphans') && !sum('duplicates') ? 0 : 1);
