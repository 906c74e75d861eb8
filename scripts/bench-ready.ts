/**
 * `GET /pods/<name>/ready` throughput and latency, next to a plain node:http
 * server answering the same JSON from memory (the floor for any route).
 *
 *   node --import=tsx scripts/bench-ready.ts
 *
 * Boots a controller in this process (test etcd, real Docker), applies one
 * deployment of 50 real busybox replicas with a tcp readiness probe, waits
 * until every `/ready` says 200, then fires REQUESTS requests at each server
 * with CONCURRENCY keep-alive connections, round-robin over the 50 names.
 * The load generator shares the process (and the event loop) with both
 * servers, so the figures are a comparison, not an absolute ceiling.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Kernel, createLogger } from '../kernel/index.js';
import { coreModules } from '../modules/core.js';
import { TEST_IMAGE, dockerClient, requireDocker } from '../test/helpers/docker.js';
import { readToken } from '../test/helpers/controller.js';
import { apiFetch } from '../test/helpers/http.js';
import { startEtcd } from '../test/helpers/etcd.js';
import { load, printResults } from './lib/http-load.js';

const REPLICAS = 50;
const REQUESTS = 20_000;
const CONCURRENCY = 16;
const ROUND_LIMIT_MS = 60_000;
const MODULES = ['kinds', 'paths', 'store', 'runtime', 'api', 'config', 'assets', 'reconciler', 'apply', 'probes', 'workload', 'deployment', 'pods'];
const WEB = 'trap "exit 0" TERM; httpd -f -p 8080 -h /tmp & wait';

const round = (name: string, base: string, paths: string[]) =>
  load(name, {
    requests: REQUESTS,
    concurrency: CONCURRENCY,
    limitMs: ROUND_LIMIT_MS,
    request: (i) => {
      const u = new URL(base + paths[i % paths.length]!);
      return { host: u.hostname, port: u.port, path: u.pathname };
    },
  });

async function main(): Promise<void> {
  const docker = dockerClient();
  await requireDocker(docker);
  const etcd = await startEtcd();
  const root = await mkdtemp(join(tmpdir(), 'voodu-bench-ready-'));
  const scope = `bench${randomBytes(2).toString('hex')}`;
  const kernel = new Kernel({ log: createLogger({ level: 'warn' }) });
  const options: Record<string, Record<string, unknown>> = { paths: { root }, store: { endpoints: [etcd.endpoint] }, api: { http: '127.0.0.1:0' } };
  let plain: http.Server | undefined;
  try {
    await kernel.boot(await Promise.all(MODULES.map(async (n) => ({ module: await coreModules[n]!.load(), options: options[n] ?? {} }))));
    const url = kernel.services.get('api', 'bench').address().url;
    const token = await readToken(root);
    const t0 = performance.now();
    const res = await apiFetch({ url, token }, `/apply`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        {
          kind: 'deployment',
          scope,
          name: 'web',
          spec: { image: TEST_IMAGE, command: ['sh', '-c', WEB], replicas: REPLICAS, probes: { readiness: { tcp_socket: { port: 8080 }, period: '2s' } } },
        },
      ]),
    });
    if (res.status !== 200) throw new Error(`apply: ${res.status} ${await res.text()}`);

    // Every replica running and answering 200 on /ready.
    let names: string[] = [];
    const deadline = Date.now() + 180_000;
    for (;;) {
      const list = await docker.listContainers({ filters: { label: [`voodu.scope=${scope}`, 'voodu.role=deployment'] } });
      names = list.map((c) => c.Names[0]!.slice(1));
      if (names.length === REPLICAS) {
        const codes = await Promise.all(names.map(async (n) => (await fetch(`${url}/pods/${n}/ready`)).status));
        if (codes.every((c) => c === 200)) break;
      }
      if (Date.now() > deadline) throw new Error(`only ${names.length} replicas ready after 180 s`);
      await new Promise((r) => setTimeout(r, 500));
    }
    console.log(`${REPLICAS} real replicas created and ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    // The same answers from a Map, by node:http alone.
    const bodies = new Map<string, string>();
    for (const n of names) bodies.set(`/pods/${n}/ready`, await (await fetch(`${url}/pods/${n}/ready`)).text());
    plain = http.createServer((req, res) => {
      const body = bodies.get(req.url ?? '');
      res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
      res.end(body ?? '{"status":"error","error":"not found"}');
    });
    await new Promise<void>((r) => plain!.listen(0, '127.0.0.1', r));
    const plainUrl = `http://127.0.0.1:${(plain.address() as { port: number }).port}`;
    const paths = names.map((n) => `/pods/${n}/ready`);

    // Warm both, then alternate so neither always runs second.
    await round('warmup', url, paths.slice(0, 5));
    await round('warmup', plainUrl, paths.slice(0, 5));
    const results = [await round('voodu GET /pods/<name>/ready', url, paths), await round('plain node:http (same JSON)', plainUrl, paths)];

    printResults(`${REQUESTS} requests, concurrency ${CONCURRENCY}, keep-alive, loopback, ${REPLICAS} pod names round-robin`, 'server', results);
  } finally {
    plain?.close();
    await kernel.shutdown().catch(() => undefined);
    const all = await docker.listContainers({ all: true, filters: { label: [`voodu.scope=${scope}`] } });
    await Promise.all(all.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
    await etcd.stop();
    await rm(root, { recursive: true, force: true });
  }
}

await main();
