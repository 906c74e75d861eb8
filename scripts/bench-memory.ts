/**
 * The controller's memory while it manages a stack, over time: the built
 * controller (dist/, `npm run build` first; run through its shebang, node
 * flags included, as systemd runs it) runs as its own process on a
 * real etcd and Docker, first idle with nothing to manage (the floor: node,
 * its libraries, the API), then with N deployments × 2 replicas of a
 * busybox httpd, each with an HTTP liveness and readiness probe every 5 s
 * (so probes run all the time) and the reconciler's resync every 60 s.
 * Every --every seconds it prints RSS (from /proc) and the V8 heap in use
 * (from GET /metrics), and at the end the growth per 10 minutes, fitted
 * over the second half of the run so the warm-up does not count.
 *
 *   node --import=tsx scripts/bench-memory.ts [--deployments 100] [--minutes 30] [--every 60]
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Docker from 'dockerode';
import { TEST_IMAGE } from '../test/helpers/docker.js';
import { startEtcd } from '../test/helpers/etcd.js';
import { freePort } from '../test/helpers/ports.js';

const { values } = parseArgs({ options: { deployments: { type: 'string', default: '100' }, minutes: { type: 'string', default: '30' }, every: { type: 'string', default: '60' } } });
const deployments = Number(values.deployments);
const minutes = Number(values.minutes);
const everyMs = Number(values.every) * 1000;
const controllerJs = new URL('../dist/bin/voodu-controller.js', import.meta.url).pathname;
if (!existsSync(controllerJs)) throw new Error(`${controllerJs} is missing: run \`npm run build\` first`);
const docker = new Docker();
const scope = `mem${process.pid}`;
const WEB = 'echo ok > /tmp/index.html; trap "exit 0" TERM; httpd -f -p 8080 -h /tmp & wait';
const probe = { http_get: { path: '/index.html', port: 8080 }, period: '5s' };

const etcd = await startEtcd();
const root = await mkdtemp(join(tmpdir(), 'bench-memory-'));
const port = await freePort();
// Run through its shebang, as systemd runs it: the node flags there are part of what is measured.
const ctl = spawn(controllerJs, ['--root', root, '--http', `127.0.0.1:${port}`, '--pod-http', ':0', '--etcd-endpoints', etcd.endpoint, '--log-level', 'error'], { stdio: ['ignore', 'ignore', 'inherit'] });
const base = `http://127.0.0.1:${port}`;
let token = '';
// ^C ends the run early, with the summary so far and everything cleaned up.
let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => (interrupted = true));

async function api(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(base + path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
}
async function until(what: string, fn: () => Promise<boolean>, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
async function rssMb(): Promise<number> {
  const status = await readFile(`/proc/${ctl.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}
async function heapMb(): Promise<number> {
  const text = await (await api('GET', '/metrics')).text();
  const m = /^nodejs_heap_size_used_bytes (\S+)$/m.exec(text);
  return m ? Number(m[1]) / 2 ** 20 : NaN;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const row = (label: string, rss: number, heap: number) => console.log(`${label.padEnd(12)} ${rss.toFixed(1).padStart(8)} ${heap.toFixed(1).padStart(9)}`);

/** Least-squares slope of y over x. */
function slope(points: [number, number][]): number {
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const num = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const den = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return den ? num / den : 0;
}

try {
  await until('the controller', async () => {
    token = (await readFile(join(root, 'api-token'), 'utf8')).trim();
    return (await fetch(`${base}/health`)).ok;
  }, 60_000);
  console.log(`controller pid ${ctl.pid}; ${deployments} deployments × 2 replicas of ${TEST_IMAGE} httpd, liveness + readiness over HTTP every 5 s; ${minutes} min, a sample every ${everyMs / 1000} s`);
  console.log('when          RSS (MB)  heap (MB)');
  await sleep(10_000);
  const idle = [await rssMb(), await heapMb()] as const;
  row('idle, 0 pods', ...idle);

  const manifests = Array.from({ length: deployments }, (_, i) => ({
    kind: 'deployment',
    scope,
    name: `web${i}`,
    spec: { image: TEST_IMAGE, replicas: 2, command: ['sh', '-c', WEB], probes: { liveness: probe, readiness: probe }, stop_grace_period: '1s' },
  }));
  const res = await api('POST', '/apply', manifests);
  if (!res.ok) throw new Error(`apply: ${res.status} ${await res.text()}`);
  const total = deployments * 2;
  await until(`${total} replicas running`, async () => (await docker.listContainers({ filters: { label: [`voodu.scope=${scope}`] } })).length === total);
  const t0 = Date.now();
  const curve: [number, number][] = [];
  for (;;) {
    const min = (Date.now() - t0) / 60_000;
    const rss = await rssMb();
    curve.push([min, rss]);
    row(`${min.toFixed(1)} min`, rss, await heapMb());
    if (min >= minutes || interrupted) break;
    const until = Date.now() + Math.min(everyMs, Math.max(1000, (minutes - min) * 60_000));
    while (Date.now() < until && !interrupted) await sleep(250);
  }
  const second = curve.filter(([m]) => m >= minutes / 2);
  const rss = curve.map(([, r]) => r);
  console.log('');
  console.log(`${total} pods: RSS ${Math.min(...rss).toFixed(1)}–${Math.max(...rss).toFixed(1)} MB (idle floor ${idle[0].toFixed(1)} MB); growth over the second half ${(slope(second) * 10).toFixed(2)} MB per 10 min`);
} finally {
  await api('DELETE', `/scope?scope=${scope}&grace=0s`).catch(() => undefined);
  await until('the stack gone', async () => (await docker.listContainers({ all: true, filters: { label: [`voodu.scope=${scope}`] } })).length === 0, 120_000).catch(() => undefined);
  ctl.kill('SIGTERM');
  await new Promise((r) => ctl.once('exit', r));
  const left = await docker.listContainers({ all: true, filters: { label: [`voodu.scope=${scope}`] } });
  await Promise.all(left.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  await etcd.stop();
  await rm(root, { recursive: true, force: true });
}
