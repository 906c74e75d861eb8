/**
 * Requests/s and latency through Caddy (the caddy plugin, load-balancing
 * two busybox httpd replicas) next to the same requests sent straight to
 * one replica on its voodu0 address, in the same run.
 *
 *   node --import=tsx scripts/bench-ingress.ts
 *
 * Boots a controller in this process (test etcd, real Docker), installs the
 * caddy plugin from plugins/caddy through the installer (Caddy on loopback
 * ports, its own container name and state dir), applies one `app` with 2
 * replicas, waits until both answer through Caddy, then fires REQUESTS
 * requests at each target with CONCURRENCY keep-alive connections. busybox
 * httpd closes every connection after one answer, so "direct" pays a TCP
 * handshake per request while Caddy keeps the client side alive. The load
 * generator shares the process with the controller: compare, don't quote.
 * Needs the image from scripts/build-caddy-image.
 */
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiFetch } from '../test/helpers/http.js';
import { bootModules } from '../test/helpers/controller.js';
import { TEST_IMAGE, dockerClient, requireDocker } from '../test/helpers/docker.js';
import { startEtcd } from '../test/helpers/etcd.js';
import { freePorts } from '../test/helpers/ports.js';
import { load, printResults } from './lib/http-load.js';

const REQUESTS = 20_000;
const CONCURRENCY = 16;
const ROUND_LIMIT_MS = 60_000;
const MODULES = ['paths', 'store', 'runtime', 'api', 'config', 'assets', 'reconciler', 'apply', 'app', 'workload', 'deployment', 'plugins', 'ingress'];
const WEB = 'mkdir -p /www; echo "$VOODU_REPLICA_ID" > /www/index.html; httpd -f -p 8080 -h /www & trap "kill %1; exit 0" TERM; wait';

const round = (name: string, target: { host: string; port: number; hostHeader?: string }) =>
  load(name, {
    requests: REQUESTS,
    concurrency: CONCURRENCY,
    limitMs: ROUND_LIMIT_MS,
    request: () => ({ host: target.host, port: target.port, path: '/', ...(target.hostHeader ? { headers: { host: target.hostHeader } } : {}) }),
  });

async function main(): Promise<void> {
  const docker = dockerClient();
  await requireDocker(docker);
  const tmp = await mkdtemp(join(tmpdir(), 'voodu-bench-ingress-'));
  const scope = `bench${randomBytes(2).toString('hex')}`;
  const container = `voodu-caddy-bench-${randomBytes(3).toString('hex')}`;
  const [httpPort, httpsPort] = (await freePorts(2)) as [number, number];
  // The admin API is the unix socket in this state dir: no admin port to pick.
  delete process.env.VOODU_CADDY_ADMIN_URL;
  Object.assign(process.env, {
    VOODU_CADDY_STATE_DIR: join(tmp, 'caddy'),
    VOODU_CADDY_CONTAINER: container,
    VOODU_CADDY_HTTP_PORT: String(httpPort),
    VOODU_CADDY_HTTPS_PORT: String(httpsPort),
    VOODU_CADDY_BIND: '127.0.0.1',
  });
  const copy = join(tmp, 'caddy-plugin');
  await cp(join(process.cwd(), 'plugins/caddy'), copy, { recursive: true });

  const etcd = await startEtcd();
  const ctl = await bootModules(etcd.endpoint, MODULES, { plugins: { jit: false } });
  try {
    const post = async (path: string, body: unknown) => {
      const res = await apiFetch(ctl, path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    };
    await post('/plugins/install', { source: copy });
    const host = `${scope}.bench.test`;
    await post('/apply', [{ kind: 'app', scope, name: 'web', spec: { image: TEST_IMAGE, command: ['sh', '-c', WEB], ports: ['8080'], replicas: 2, host } }]);

    // Both replicas answering through Caddy.
    const deadline = Date.now() + 120_000;
    for (;;) {
      const seen = new Set<string>();
      for (let i = 0; i < 10; i++) {
        const body = await new Promise<string>((resolve) => {
          const req = http.get({ host: '127.0.0.1', port: httpPort, path: '/', headers: { host }, agent: false }, (res) => {
            let b = '';
            res.on('data', (c) => (b += c));
            res.on('end', () => resolve(res.statusCode === 200 ? b.trim() : ''));
          });
          req.on('error', () => resolve(''));
        });
        if (body) seen.add(body);
      }
      if (seen.size === 2) break;
      if (Date.now() > deadline) throw new Error(`only ${seen.size} replicas answer through Caddy after 120 s\n${ctl.logs.slice(-20).join('\n')}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const replicas = await docker.listContainers({ filters: { label: [`voodu.scope=${scope}`, 'voodu.role=deployment'] } });
    const ip = (await docker.getContainer(replicas[0]!.Id).inspect()).NetworkSettings.Networks['voodu0']!.IPAddress;

    const caddyTarget = { host: '127.0.0.1', port: httpPort, hostHeader: host };
    const directTarget = { host: ip, port: 8080 };
    await round('warmup', caddyTarget);
    await round('warmup', directTarget);
    const results = [await round('caddy → 2 replicas', caddyTarget), await round(`direct → 1 replica (${ip})`, directTarget)];

    printResults(`${REQUESTS} requests, concurrency ${CONCURRENCY}, keep-alive client, loopback; busybox httpd closes each connection`, 'target', results);
  } finally {
    await ctl.stop().catch(() => undefined);
    const all = await docker.listContainers({ all: true, filters: { label: [`voodu.scope=${scope}`] } });
    await Promise.all(all.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
    await docker.getContainer(container).remove({ force: true }).catch(() => undefined);
    await etcd.stop();
    await rm(tmp, { recursive: true, force: true });
  }
}

await main();
