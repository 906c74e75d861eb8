/**
 * The README's full stack, for real: examples/stack-local/voodu.hcl —
 * PostgreSQL and Redis as plugin blocks, a two-replica web app behind Caddy —
 * applied from one file through the CLI on a controller that has no plugin
 * installed yet (postgres, redis and caddy all come from the bundled copies,
 * offline), linked with `pg:link` and `redis:link`, then every request
 * through Caddy writes a row in PostgreSQL and a counter in Redis and reads
 * both back. Caddy listens on free loopback ports under a unique container
 * name; everything is removed afterwards.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { bootModules, type ModuleController } from '../helpers/controller.js';
import { runCli } from '../helpers/cli.js';
import { cleanupDocker, dockerClient, removeScopes, requireDocker, testRunLabel, uniqueName } from '../helpers/docker.js';
import { startEtcd, type TestEtcd } from '../helpers/etcd.js';
import { freePorts } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';

const run = promisify(execFile);
const STACK = fileURLToPath(new URL('../../examples/stack-local/voodu.hcl', import.meta.url));
const MODULES = ['paths', 'store', 'runtime', 'api', 'pod-api', 'config', 'assets', 'reconciler', 'apply', 'app', 'workload', 'deployment', 'statefulset', 'job', 'pods', 'probes', 'plugins', 'ingress'];
// The example's scopes are fixed (data, myapp); this test owns them on this engine while it runs.
const SCOPES = ['data', 'myapp'];
const RUN = testRunLabel();

let etcd: TestEtcd;
let ctl: ModuleController;
let tmp: string;
let httpPort: number;
let caddyName: string;

test.before(async () => {
  await requireDocker();
  for (const image of ['voodu-test/postgres:15', 'voodu-test/redis:7', 'voodu/caddy:2.6']) {
    await run('docker', ['image', 'inspect', image]).catch(() => {
      throw new Error(`${image} is missing: run bash scripts/build-test-images`);
    });
  }
  const busy = (await dockerClient().listContainers({ all: true, filters: { label: ['voodu.scope'] } })).filter((c) => SCOPES.includes(c.Labels['voodu.scope'] ?? ''));
  if (busy.length) throw new Error(`containers of scope ${SCOPES.join('/')} already exist on this engine (${busy.map((c) => c.Names[0]).join(', ')}); remove them first`);
  tmp = await mkdtemp(join(tmpdir(), 'voodu-stack-'));
  const [http, https] = (await freePorts(2)) as [number, number];
  httpPort = http;
  caddyName = uniqueName('voodu-caddy-stack');
  Object.assign(process.env, {
    VOODU_CADDY_STATE_DIR: join(tmp, 'caddy-state'),
    VOODU_CADDY_CONTAINER: caddyName,
    VOODU_CADDY_HTTP_PORT: String(http),
    VOODU_CADDY_HTTPS_PORT: String(https),
    VOODU_CADDY_BIND: '127.0.0.1',
    VOODU_CADDY_LABELS: `${RUN.key}=${RUN.value}`,
  });
  delete process.env.VOODU_CADDY_ADMIN_URL;
  etcd = await startEtcd();
  ctl = await bootModules(etcd.endpoint, MODULES, { statefulset: { readyTimeoutMs: 120_000 }, deployment: { readyTimeoutMs: 60_000 } });
  process.env.VOODU_POSTGRES_BACKUP_ROOT = join(ctl.root, 'backups');
});

test.after.always(async () => {
  await ctl?.stop();
  await cleanupDocker(RUN.filter);
  const docker = dockerClient();
  for (const scope of SCOPES) await removeScopes(scope);
  await docker.getContainer(caddyName).remove({ force: true }).catch(() => undefined);
  const { Volumes } = await docker.listVolumes({ filters: { label: ['voodu.scope'] } });
  for (const v of Volumes ?? []) if (SCOPES.includes(v.Labels?.['voodu.scope'] ?? '')) await docker.getVolume(v.Name).remove({ force: true }).catch(() => undefined);
  await etcd?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

function visit(): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: httpPort, path: '/cgi-bin/visit', headers: { host: 'myapp.example.test' }, agent: false, timeout: 15_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

test.serial('the stack applies from one file, links, and every request through Caddy writes and reads PostgreSQL and Redis', async (t) => {
  t.timeout(5 * 60_000);
  const cli = (...args: string[]) => runCli(args, { target: ctl });
  const started = Date.now();
  const applied = await cli('apply', '-f', STACK, '--auto-approve');
  t.is(applied.code, 0, `${applied.stderr}\n${ctl.logs.slice(-30).join('\n')}`);
  const installed = () => ctl.logs.filter((l) => /installing the bundled copy/.test(l)).join('\n');
  // The macro plugins install during the apply; caddy when the ingress first reconciles.
  for (const plugin of ['postgres', 'redis']) t.regex(installed(), new RegExp(`plugin "${plugin}"`), `${plugin} came from its bundled copy`);

  for (const [provider, verb] of [['data/pg', 'pg:link'], ['data/cache', 'redis:link']] as const) {
    const linked = await cli(verb, provider, 'myapp/web');
    t.is(linked.code, 0, linked.stderr);
  }

  const answer = await waitFor(
    'six visits in a row through Caddy that reached both stores',
    async () => {
      // Each link rolls the app; until both rollouts end an older replica may still answer "not linked".
      let r;
      for (let i = 0; i < 6; i++) {
        r = await visit().catch(() => undefined);
        if (!(r?.status === 200 && /visits in postgres: \d+/.test(r.body) && /visits in redis: \d+/.test(r.body))) return undefined;
      }
      return r;
    },
    { timeoutMs: 180_000, intervalMs: 1000, context: () => ctl.logs.slice(-30).join('\n') },
  );
  t.log(`apply → first full visit: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  t.regex(installed(), /plugin "caddy"/, 'caddy came from its bundled copy');
  const first = { pg: Number(/visits in postgres: (\d+)/.exec(answer.body)![1]), redis: Number(/visits in redis: (\d+)/.exec(answer.body)![1]) };

  // Ten more visits: each one writes a row and increments the counter; both replicas serve.
  const servers = new Set<string>();
  let last = first;
  for (let i = 0; i < 10; i++) {
    const r = await visit();
    t.is(r.status, 200, r.body);
    const now = { pg: Number(/visits in postgres: (\d+)/.exec(r.body)?.[1]), redis: Number(/visits in redis: (\d+)/.exec(r.body)?.[1]) };
    t.true(now.pg > last.pg && now.redis > last.redis, `${JSON.stringify(last)} → ${r.body}`);
    last = now;
    servers.add(/served by: (\S+)/.exec(r.body)?.[1] ?? '?');
  }
  t.is(last.pg - first.pg, 10);
  t.is(last.redis - first.redis, 10);
  t.true(servers.size >= 1);
  t.log(`replicas that served: ${servers.size}`);
});
