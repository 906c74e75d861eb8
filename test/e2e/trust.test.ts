/**
 * The controller's edge end to end (docs/security.md): the API token on
 * every route, browser-shaped requests refused, capability URLs for plugin
 * runs, and the pod listener on the voodu0 gateway reached from real
 * containers — a busybox pod with wget, and a bash pod running a
 * sentinel-style failover hook over /dev/tcp.
 */
import test from 'ava';
import { execFile, spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { keys } from '../../lib/identity.js';
import type { ApiServer } from '../../modules/api/server.js';
import { bootModules, type ModuleController } from '../helpers/controller.js';
import { dockerClient, removeScopes, requireDocker, uniqueName } from '../helpers/docker.js';
import { startEtcd, type TestEtcd } from '../helpers/etcd.js';
import { callApi } from '../helpers/http.js';
import { waitFor } from '../helpers/wait.js';
import { runCli } from '../helpers/cli.js';

const run = promisify(execFile);
const PROJECT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const MODULES = ['paths', 'metrics', 'store', 'runtime', 'api', 'pod-api', 'config', 'assets', 'reconciler', 'apply', 'workload', 'statefulset', 'job', 'pods', 'probes', 'plugins'];
const SCOPE = uniqueName('trust');
const OTHER = uniqueName('trustx');

let etcd: TestEtcd;
let ctl: ModuleController;
let work: string;

test.before(async () => {
  await requireDocker();
  etcd = await startEtcd();
  ctl = await bootModules(etcd.endpoint, MODULES, { plugins: { timeoutMs: 8000 }, statefulset: { readyTimeoutMs: 20_000 } });
  work = await mkdtemp(join(tmpdir(), 'voodu-trust-'));
  // As if the controller had been started with the token in its env: plugins must still not see it.
  process.env.VOODU_API_TOKEN = ctl.token;
  await cp(join(FIXTURES, 'plugins', 'callback'), join(ctl.root, 'plugins', 'cb'), { recursive: true });
  await cp(join(FIXTURES, 'plugins', 'dispatch'), join(ctl.root, 'plugins', 'acts'), { recursive: true });
});

test.after.always(async () => {
  // The controller first: a running reconciler would put back the pods removed here.
  await ctl?.stop();
  await removeScopes(SCOPE);
  await removeScopes(OTHER);
  await etcd?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

const api = () => ctl.kernel.services.get('api', 'test') as unknown as ApiServer;
const logs = () => ctl.logs.slice(-30).join('\n');
const dep = (scope: string, name: string) => ({ kind: 'deployment', scope, name, spec: { image: 'voodu-test/busybox:1', replicas: 1, command: ['sleep', '3600'] } });
const stored = async (scope: string) => (await etcd.store.list(`/desired/deployments/${scope}/`)).items.map((kv) => kv.key);

/** A raw HTTP/1.1 request with exactly these headers (fetch forbids setting Host). */
function rawRequest(method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; text: string }> {
  const { port } = new URL(ctl.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: { ...headers, ...(body ? { 'content-length': String(Buffer.byteLength(body)) } : {}) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test.serial('browser-shaped and tokenless requests are refused before any handler, and store nothing', async (t) => {
  const body = JSON.stringify([dep(SCOPE, 'web')]);
  const bearer = { authorization: `Bearer ${ctl.token}` };
  const plain = await rawRequest('POST', '/apply', { ...bearer, 'content-type': 'text/plain' }, body);
  t.is(plain.status, 415, plain.text);
  t.regex(JSON.parse(plain.text).error, /Content-Type "text\/plain" is refused/);
  const form = await rawRequest('POST', '/apply', { ...bearer, 'content-type': 'application/x-www-form-urlencoded' }, body);
  t.is(form.status, 415);
  const rebound = await rawRequest('POST', '/apply', { ...bearer, host: 'evil.example.com', 'content-type': 'application/json' }, body);
  t.is(rebound.status, 403, rebound.text);
  t.regex(JSON.parse(rebound.text).error, /Host "evil\.example\.com" is not this controller's/);
  const cors = await rawRequest('POST', '/apply', { ...bearer, origin: 'https://evil.example.com', 'content-type': 'application/json' }, body);
  t.is(cors.status, 403);
  t.regex(JSON.parse(cors.text).error, /Origin/);
  const anonymous = await rawRequest('POST', '/apply', { 'content-type': 'application/json' }, body);
  t.is(anonymous.status, 401);
  t.regex(JSON.parse(anonymous.text).error, new RegExp(`requires its token.*${join(ctl.root, 'api-token').replace(/[/.-]/g, '\\$&')}`));
  const wrong = await rawRequest('POST', '/apply', { authorization: 'Bearer not-the-token', 'content-type': 'application/json' }, body);
  t.is(wrong.status, 401);
  t.deepEqual(await stored(SCOPE), [], 'a refused request stored something');

  // The same request, with the token and as JSON, goes through; a Host of localhost:<port> is ours.
  const ok = await rawRequest('POST', '/apply?dry_run=true', { ...bearer, host: `localhost:${new URL(ctl.url).port}`, 'content-type': 'application/json; charset=utf-8' }, body);
  t.is(ok.status, 200, ok.text);
  const real = await callApi(ctl, 'POST', '/apply', [dep(SCOPE, 'web')]);
  t.is(real.status, 200, real.body.error);
  t.deepEqual(await stored(SCOPE), [`/desired/deployments/${SCOPE}/web`]);
  await callApi(ctl, 'DELETE', `/apply?kind=deployment&scope=${SCOPE}&name=web`);
});

test('health and readiness answer without a token; HTTP/1.0 without a Host header is no browser', async (t) => {
  const health = await fetch(`${ctl.url}/health`);
  t.is(health.status, 200);
  const ready = await fetch(`${ctl.url}/pods/nope.0/ready`);
  t.false([401, 403].includes(ready.status), `readiness answered ${ready.status}`);
  const old = await rawRequest('GET', '/health', {});
  t.is(old.status, 200);
});

test('every route is behind the gate: no route bypasses it, and capabilities open only what routes open to them', async (t) => {
  const server = api();
  const table = server.routes().map((r) => `${r.method} ${r.path}`).sort();
  // restify knows exactly the routes the gate knows: none was mounted around it.
  const restify = server.restifyRoutes().map((r) => `${r.method} ${r.path}`).sort();
  t.deepEqual(restify, table);
  const pub = server.routes().filter((r) => r.access.public).map((r) => `${r.method} ${r.path}`).sort();
  t.deepEqual(pub, ['GET /health', 'GET /pods/:name/ready']);
  // Open to a caller on loopback only (this test calls from 127.0.0.1): the pod test below sees it closed.
  const loopback = server.routes().filter((r) => r.access.loopback).map((r) => `${r.method} ${r.path}`).sort();
  t.deepEqual(loopback, ['GET /metrics']);
  t.is((await rawRequest('GET', '/metrics', {})).status, 200, 'a scraper on loopback needs no token');

  const dead = server.mintPluginCapability('cb', 60_000);
  dead.revoke();
  const live = server.mintPluginCapability('nobody-plugin', 60_000);
  const deadPrefix = new URL(dead.url).pathname;
  const livePrefix = new URL(live.url).pathname;
  try {
    for (const route of server.routes()) {
      if (route.access.public) continue;
      const path = route.path.replace(/:[a-z]+/g, 'x');
      const name = `${route.method} ${route.path}`;
      const body = route.method === 'GET' ? undefined : '{}';
      const headers: Record<string, string> = body ? { 'content-type': 'application/json' } : {};
      if (!route.access.loopback) t.is((await rawRequest(route.method, path, headers, body)).status, 401, `${name} without a token`);
      t.is((await rawRequest(route.method, deadPrefix + path, headers, body)).status, 403, `${name} with a revoked capability`);
      // A plugin capability reaches only routes that open to plugins (and /plugin/<its own>/… only).
      if (!route.access.plugin) t.is((await rawRequest(route.method, livePrefix + path, headers, body)).status, 403, `${name} with a plugin capability`);
      if (body) t.is((await rawRequest(route.method, path, { authorization: `Bearer ${ctl.token}`, 'content-type': 'text/plain' }, 'x')).status, 415, `${name} with text/plain`);
    }
    t.is((await rawRequest('POST', `${livePrefix}/plugin/cb/whoami`, { 'content-type': 'application/json' }, '{"args":[]}')).status, 403, 'another plugin’s command');
    t.is((await rawRequest('GET', `${livePrefix}/no/such/route`, {})).status, 403, 'an unknown route through a capability');
  } finally {
    live.revoke();
  }
});

test.serial('a plugin command calls back through its controller_url; the same URL is refused once the command ended', async (t) => {
  const urlFile = join(work, 'whoami.json');
  const { status, body } = await callApi(ctl, 'POST', '/plugin/cb/whoami', { args: [SCOPE, urlFile] });
  t.is(status, 200, body.error);
  t.deepEqual(JSON.parse(body.data.message), {
    list: 200,
    config: 200,
    own_command: 200,
    other_plugin: 403,
    pods: 403,
    plugins_install: 403,
  });
  const seen = JSON.parse(await readFile(urlFile, 'utf8'));
  t.regex(seen.url, /^http:\/\/127\.0\.0\.1:\d+\/cap\/[A-Za-z0-9_-]{43}$/);
  t.is(seen.env, seen.url, 'VOODU_CONTROLLER_URL is the same capability');
  t.is(seen.token, null, 'the API token reached the plugin');
  // The own-command call went through: its config_set landed.
  t.is((await callApi(ctl, 'GET', `/config?scope=${SCOPE}&name=x`)).body.data.vars.CB_MASTER_ORDINAL, '1');
  const after = await fetch(`${seen.url}/apply`);
  t.is(after.status, 403);
  t.false(ctl.logs.some((l) => l.includes(new URL(seen.url).pathname)), 'a capability token reached the log');
});

/** Runs `sh -c script` in a container; answers its stdout+stderr and exit code. */
async function shIn(container: string, script: string): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run('docker', ['exec', container, 'sh', '-c', script]);
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

async function podEnv(container: string): Promise<string> {
  const info = await dockerClient().getContainer(container).inspect();
  const line = (info.Config.Env ?? []).find((e) => e.startsWith('VOODU_CONTROLLER_URL='));
  if (!line) throw new Error(`${container} has no VOODU_CONTROLLER_URL`);
  return line.slice('VOODU_CONTROLLER_URL='.length);
}

const running = (name: string) => async () => {
  const list = await dockerClient().listContainers({ filters: { name: [name] } });
  return list.find((c) => c.Names.includes(`/${name}`) && c.State === 'running');
};

test.serial('a pod reaches its own scope through the pod URL, and nothing else; a recreated pod revokes the old token', async (t) => {
  const sts = { kind: 'statefulset', scope: SCOPE, name: 'db', spec: { image: 'voodu-test/busybox:1', replicas: 1, command: ['sleep', '3600'] } };
  const other = { kind: 'statefulset', scope: OTHER, name: 'db', spec: { image: 'voodu-test/busybox:1', replicas: 1, command: ['sleep', '3600'] } };
  t.is((await callApi(ctl, 'POST', '/apply', [sts, other])).status, 200);
  await callApi(ctl, 'POST', `/config?scope=${SCOPE}&name=db`, { SECRET_VALUE: 'do-not-leak-me' });
  const pod = `${SCOPE}-db.0`;
  const first = await waitFor('the pod running', running(pod), { timeoutMs: 30_000, context: logs });
  const url = await podEnv(pod);
  const gateway = (await ctl.kernel.services.get('runtime', 'test').inspectNetwork())!.gateway!;
  t.regex(url, new RegExp(`^http://${gateway.replace(/\./g, '\\.')}:\\d+/pod/[A-Za-z0-9_-]{43}$`));
  t.notRegex(url, /8686/);

  const wget = (u: string) => shIn(pod, `wget -q -O - '${u}'`);
  const own = await wget(`${url}/describe?kind=statefulset&scope=${SCOPE}&name=db`);
  t.is(own.code, 0, own.out);
  t.is(JSON.parse(own.out).data.manifest.name, 'db');
  t.false(own.out.includes('do-not-leak-me'));
  t.is((await wget(`${url}/health`)).code, 0);
  // host.docker.internal names the same address inside the pod: either form of the URL works.
  const byName = url.replace(/^http:\/\/[^:/]+/, 'http://host.docker.internal');
  const viaName = await wget(`${byName}/describe?kind=statefulset&scope=${SCOPE}&name=db`);
  t.is(viaName.code, 0, viaName.out);
  for (const [what, path] of [
    ['another scope', `/describe?kind=statefulset&scope=${OTHER}&name=db`],
    ['a config read', `/config?scope=${SCOPE}&name=db`],
    ['an unknown route', '/no/such/route'],
    ['the manifest list', '/apply'],
    ['the metrics', '/metrics'],
  ] as const) {
    const r = await wget(`${url}${path}`);
    t.not(r.code, 0, `${what} answered`);
    t.regex(r.out, /403/, `${what}: ${r.out}`);
  }
  // A made-up token is refused whatever it asks for, and the log names the pod that sent it.
  const forged = url.replace(/\/pod\/.*/, '/pod/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
  t.regex((await wget(`${forged}/describe?kind=statefulset&scope=${SCOPE}&name=db`)).out, /403/);
  t.regex((await wget(`${forged}/health`)).out, /403/);
  // Open on loopback of the main listener only: a pod with no token at all gets 401 on its listener.
  t.regex((await wget(`${url.replace(/\/pod\/.*/, '')}/metrics`)).out, /401/);
  t.true(ctl.logs.some((l) => l.includes(`from ${pod}`) && l.includes('unknown or revoked pod token')), logs());
  t.false(ctl.logs.some((l) => l.includes(url.split('/pod/')[1]!)), 'a pod token reached the log');

  // Remove the pod by hand: the statefulset recreates it with a new token, and the old one names nothing.
  await dockerClient().getContainer(first.Id).remove({ force: true });
  await waitFor('the pod recreated', async () => {
    const c = await running(pod)();
    return c && c.Id !== first.Id ? c : undefined;
  }, { timeoutMs: 30_000, context: logs });
  const fresh = await podEnv(pod);
  t.not(fresh, url);
  const revoked = await wget(`${url}/describe?kind=statefulset&scope=${SCOPE}&name=db`);
  t.regex(revoked.out, /403/, revoked.out);
  t.is((await wget(`${fresh}/describe?kind=statefulset&scope=${SCOPE}&name=db`)).code, 0);
});

test.serial('the reference-shaped sentinel hook (bash, /dev/tcp, HTTP/1.0) triggers the plugin command through the pod URL', async (t) => {
  const { status, body } = await callApi(ctl, 'POST', '/apply', [{ kind: 'cb', scope: SCOPE, name: 'cache', spec: { hooks: join(FIXTURES, 'hooks'), new_ordinal: 2 } }]);
  t.is(status, 200, body.error);
  const stored = JSON.parse((await etcd.store.get(keys.desired({ kind: 'statefulset', scope: SCOPE, name: 'cache-sentinel' })))!.value);
  t.is(stored.metadata.produced_by, 'cb');
  const vars = await waitFor(
    'the hook to record the new master ordinal',
    async () => {
      const r = await callApi(ctl, 'GET', `/config?scope=${SCOPE}&name=cache`);
      return r.body.data?.vars?.CB_MASTER_ORDINAL ? r.body.data.vars : undefined;
    },
    { timeoutMs: 40_000, context: logs },
  );
  t.is(vars.CB_MASTER_ORDINAL, '2');
  // The bucket is written before the answer goes back, so the hook's own line comes a moment later.
  const hookLog = await waitFor('the hook to log its answer', async () => {
    const { stdout, stderr } = await run('docker', ['logs', `${SCOPE}-cache-sentinel.0`]);
    return /answer: /.test(stdout + stderr) ? stdout + stderr : undefined;
  }, { timeoutMs: 15_000, context: logs });
  t.regex(hookLog, /answer: HTTP\/1\.1 200/);

  // The same pod may not drive the plugin about another scope, nor another plugin.
  const pod = `${SCOPE}-cache-sentinel.0`;
  const url = await podEnv(pod);
  const post = (path: string, args: string[]) =>
    shIn(pod, `wget -q -O - --header 'Content-Type: application/json' --post-data '${JSON.stringify({ args })}' '${url}${path}'`);
  t.regex((await post('/plugin/cb/failover', [`${OTHER}/cache`, '--replica', '1'])).out, /403/);
  t.regex((await post('/plugin/acts/all', [`${SCOPE}/cache`, work])).out, /403/);
  t.regex((await post('/plugin/cb/failover', [])).out, /403/);
  t.is((await post('/plugin/cb/failover', [`${SCOPE}/cache`, '--replica', '1', '--no-restart'])).code, 0);
});

/** The CLI in this process against the test controller, with exactly `env`. */
const cli = (env: NodeJS.ProcessEnv, ...args: string[]) => runCli(['--controller-url', ctl.url, ...args], { env });

test('the CLI finds the token by itself; when it cannot read it, it says why', async (t) => {
  const ok = await cli({ VOODU_ROOT: ctl.root }, 'plugins', '-o', 'json');
  t.is(ok.code, 0, ok.stderr);
  const health = await cli({ VOODU_ROOT: ctl.root }, 'health', '-o', 'json');
  t.is(health.code, 0, health.stderr);
  t.deepEqual(JSON.parse(health.stdout).token, { ok: true, detail: 'admin' });

  const missing = await cli({ VOODU_ROOT: join(work, 'elsewhere') }, 'plugins');
  t.is(missing.code, 1);
  t.regex(missing.stderr, /requires its API token, and the CLI has none: .*elsewhere\/api-token does not exist/);
  const wrong = await cli({ VOODU_API_TOKEN: 'x'.repeat(32) }, 'plugins');
  t.is(wrong.code, 1);
  t.regex(wrong.stderr, /wrong API token/);

  // A user who may not read the file (here: nobody, and the root is 0700) is told so, by health too.
  const asNobody = (...args: string[]) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import=tsx', '--disable-warning=DEP0111', join(PROJECT, 'bin/voodu.ts'), '--controller-url', ctl.url, ...args], {
        cwd: PROJECT,
        uid: 65534,
        gid: 65534,
        env: { PATH: process.env.PATH, VOODU_ROOT: ctl.root, HOME: '/tmp' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr!.on('data', (c) => (stderr += c));
      child.on('close', (code) => resolve({ code, stderr }));
    });
  const denied = await asNobody('plugins');
  t.is(denied.code, 1, denied.stderr);
  t.regex(denied.stderr, /cannot read .*api-token \(permission denied\): run voodu as root, or as a member of the group/);
  const sick = await asNobody('health');
  t.is(sick.code, 1);
  t.regex(sick.stderr, /API token: cannot read .*permission denied/);
});
