/**
 * The caddy plugin end to end: the
 * real `voodu/caddy:2.6` image, the plugin's own install hook and
 * `bin/voodu-caddy` run as installed, busybox httpd backends on voodu0.
 * Caddy listens on free loopback ports with a unique container name and a
 * temp state dir; every container carries this file's run label.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { readFile, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { loadPluginDir } from '../../modules/plugins/load.js';
import { runPlugin } from '../../modules/plugins/run.js';
import { TEST_IMAGE, cleanupDocker, dockerClient, requireDocker, testRunLabel, uniqueName } from '../helpers/docker.js';
import { freePorts } from '../helpers/ports.js';

const docker = dockerClient();
const run = testRunLabel();
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const PLUGIN = join(REPO, 'plugins/caddy');
const CADDY_IMAGE = 'voodu/caddy:2.6';

let state: string;
let env: Record<string, string>;
let httpPort: number;
let httpsPort: number;
let caddyName: string;
const ips: Record<string, string> = {};
const names: Record<string, string> = {};

interface Ran { code: number; stdout: string; stderr: string; json: any }
function exec(file: string, args: string[], extra: Record<string, string> = {}): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: PLUGIN, env: { ...process.env, ...env, ...extra }, timeout: 90_000 }, (err, stdout, stderr) => {
      let json: any;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr, json });
    });
  });
}
const plugin = (args: string[], extra: Record<string, string> = {}) => exec(join(PLUGIN, 'bin/voodu-caddy'), args, extra);

interface Res { status: number; body: string; headers: Record<string, unknown>; issuer?: string }
function get(host: string, path = '/'): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: httpPort, path, headers: { host }, agent: false, timeout: 15_000 }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}
function getTls(host: string, ca: string): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      { host: '127.0.0.1', port: httpsPort, path: '/', servername: host, headers: { host }, ca, agent: false, timeout: 15_000 },
      (res) => {
        const cn = (res.socket as TLSSocket).getPeerCertificate().issuer?.CN;
        const issuer = Array.isArray(cn) ? cn.join(',') : cn;
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers, ...(issuer ? { issuer } : {}) }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/** A busybox httpd on voodu0 answering `text` at / (and nothing else); httpd dies alone, the container stays. */
async function backend(key: string, text: string): Promise<void> {
  names[key] = uniqueName(`caddy-t-${key}`);
  const c = await docker.createContainer({
    Image: TEST_IMAGE,
    name: names[key],
    Labels: run.labels,
    Cmd: ['sh', '-c', 'mkdir -p /www && printf "%s" "$BODY" > /www/index.html && httpd -f -p 8080 -h /www; exec sleep 3600'],
    Env: [`BODY=${text}`],
    HostConfig: { NetworkMode: 'voodu0' },
  });
  await c.start();
  const info = await c.inspect();
  ips[key] = info.NetworkSettings.Networks['voodu0']!.IPAddress;
}
const up = (...keys: string[]) => JSON.stringify(keys.map((k) => `${ips[k]}:8080`));

test.before(async () => {
  await requireDocker(docker);
  const present = await docker.getImage(CADDY_IMAGE).inspect().then(() => true, () => false);
  if (!present) {
    if (process.env['CI'] === 'true') throw new Error(`prerequisite missing: image ${CADDY_IMAGE}; scripts/build-test-images (run by scripts/setup) builds it`);
    const built = await exec(join(REPO, 'scripts/build-caddy-image'), []);
    if (built.code !== 0) throw new Error(`scripts/build-caddy-image failed: ${built.stderr}`);
  }
  state = await mkdtemp(join(tmpdir(), 'voodu-caddy-test-'));
  const [h, s] = await freePorts(2);
  httpPort = h!;
  httpsPort = s!;
  caddyName = uniqueName('voodu-caddy-t');
  env = {
    VOODU_CADDY_STATE_DIR: state,
    VOODU_CADDY_CONTAINER: caddyName,
    VOODU_CADDY_BIND: '127.0.0.1',
    VOODU_CADDY_HTTP_PORT: String(httpPort),
    VOODU_CADDY_HTTPS_PORT: String(httpsPort),
    VOODU_CADDY_LABELS: `${run.key}=${run.value}`,
  };
  const installed = await exec(join(PLUGIN, 'install'), ['caddy']);
  if (installed.code !== 0) throw new Error(`install hook failed: ${installed.stderr}${installed.stdout}`);
  if (!/created/.test(installed.stdout)) throw new Error(`install hook: expected a new container, got ${installed.stdout}`);
  await Promise.all([backend('web1', 'web-1'), backend('web2', 'web-2'), backend('api1', 'api-1')]);
});

test.after.always(async () => {
  await cleanupDocker(run.filter, docker);
  if (state) await rm(state, { recursive: true, force: true });
});

test.serial('install hook: labelled container on voodu0, unless-stopped, admin API only on a root-only unix socket; a re-run changes nothing', async (t) => {
  const info = await docker.getContainer(caddyName).inspect();
  t.is(info.Config.Labels['createdby'], 'voodu');
  t.is(info.Config.Labels['voodu.role'], 'ingress');
  t.is(info.HostConfig.RestartPolicy?.Name, 'unless-stopped');
  t.truthy(info.NetworkSettings.Networks['voodu0']);
  t.is(info.HostConfig.PortBindings?.['2019/tcp'], undefined, 'no TCP publish of the admin API');
  const sock = await stat(join(state, 'config', 'admin.sock'));
  t.true(sock.isSocket());
  t.is(sock.mode & 0o022, 0, 'nobody but root may connect to the socket');
  t.is((await stat(join(state, 'config'))).mode & 0o777, 0o700);
  // From a container on voodu0, the admin port is closed: nothing listens on 2019 any more.
  const caddyIp = info.NetworkSettings.Networks['voodu0']!.IPAddress;
  const probe = await exec('/usr/bin/docker', ['exec', names['web1']!, 'sh', '-c', `nc -w 2 ${caddyIp} 2019 </dev/null && echo OPEN || echo CLOSED; nc -w 2 ${caddyIp} 80 </dev/null && echo OPEN80`]);
  t.regex(probe.stdout, /CLOSED/);
  t.regex(probe.stdout, /OPEN80/, 'the probe itself reaches Caddy');
  t.deepEqual(info.HostConfig.PortBindings?.['80/tcp'], [{ HostIp: '127.0.0.1', HostPort: String(httpPort) }]);
  t.true(info.State.Running);
  t.deepEqual((await readdir(state)).sort(), ['config', 'data', 'routes']);
  const again = await exec(join(PLUGIN, 'install'), ['caddy']);
  t.is(again.code, 0, again.stderr + again.stdout);
  t.regex(again.stdout, /unchanged/);
  t.is((await docker.getContainer(caddyName).inspect()).Id, info.Id);
  // No route yet: any host is a 404, not Caddy's empty 200.
  t.is((await get('nothing.test')).status, 404);
});

test.serial('apply through the controller\'s plugin runner: Host app1.test reaches both replicas; another host gets 404', async (t) => {
  // Exactly as the ingress module calls it: the loaded plugin dir, `apply <app>`, the ingress env per call.
  const loaded = await loadPluginDir(PLUGIN);
  const r = await runPlugin(loaded, 'apply', {
    args: ['app1'],
    env: { ...env, VOODU_APP: 'app1', VOODU_INGRESS_HOST: 'app1.test', VOODU_INGRESS_SERVICE: 'app1', VOODU_INGRESS_PORT: '8080', VOODU_INGRESS_UPSTREAMS: up('web1', 'web2') },
  });
  t.is(r.exitCode, 0, r.stdout + r.stderr);
  t.is(r.envelope?.status, 'ok');
  t.like(r.envelope?.data as object, { app: 'app1', host: 'app1.test', upstream: `${ips['web1']}:8080`, url: 'http://app1.test', tls: false });
  const saved = JSON.parse(await readFile(join(state, 'routes', 'app1.json'), 'utf8'));
  t.deepEqual(saved.upstreams, [`${ips['web1']}:8080`, `${ips['web2']}:8080`]);
  const seen = new Set<string>();
  for (let i = 0; i < 10; i++) {
    const res = await get('app1.test');
    t.is(res.status, 200);
    seen.add(res.body);
  }
  t.deepEqual([...seen].sort(), ['web-1', 'web-2']);
  const other = await get('other.test');
  t.is(other.status, 404);
  t.false(other.body.includes('web-'));
});

test.serial('one host, two ingresses: /api with strip reaches the api backend, / the web backends', async (t) => {
  const api = await plugin(['apply', 'shop-api'], {
    VOODU_APP: 'shop-api',
    VOODU_INGRESS_HOST: 'shop.test',
    VOODU_INGRESS_UPSTREAMS: up('api1'),
    VOODU_INGRESS_LOCATIONS: JSON.stringify([{ path: '/api', strip: true }]),
    VOODU_INGRESS_HC_PATH: '/',
    VOODU_INGRESS_LB_INTERVAL: '2s',
  });
  t.is(api.code, 0, api.stdout);
  // Applied second and sorting after shop-api, yet / must not shadow /api.
  const web = await plugin(['apply', 'shop-web'], { VOODU_APP: 'shop-web', VOODU_INGRESS_HOST: 'shop.test', VOODU_INGRESS_UPSTREAMS: up('web1', 'web2') });
  t.is(web.code, 0, web.stdout);
  for (let i = 0; i < 4; i++) {
    const a = await get('shop.test', '/api/');
    t.is(a.status, 200);
    t.is(a.body, 'api-1', 'the prefix was stripped: busybox only serves /');
    const w = await get('shop.test', '/');
    t.regex(w.body, /^web-[12]$/);
  }
  t.is((await get('shop.test', '/api/index.html')).body, 'api-1');
  t.is((await get('shop.test', '/apix')).status, 404, '/apix is not under /api, and the web backend has no /apix');
});

test.serial('tls internal: HTTPS verified against Caddy\'s local CA, plain HTTP redirected, plain hosts untouched', async (t) => {
  const r = await plugin(['apply', 'sec'], {
    VOODU_APP: 'sec',
    VOODU_INGRESS_HOST: 'sec.test',
    VOODU_INGRESS_UPSTREAMS: up('web1'),
    VOODU_INGRESS_TLS: 'true',
    VOODU_INGRESS_TLS_PROVIDER: 'internal',
  });
  t.is(r.code, 0, r.stdout);
  t.like(r.json.data, { url: 'https://sec.test', tls: true });
  const rootCrt = join(state, 'data', 'caddy', 'pki', 'authorities', 'local', 'root.crt');
  const ca = await until('the local CA root certificate', () => readFile(rootCrt, 'utf8'));
  const res = await until('an HTTPS answer for sec.test', async () => {
    const x = await getTls('sec.test', ca);
    return x.status === 200 ? x : undefined;
  });
  t.is(res.body, 'web-1');
  t.regex(res.issuer ?? '', /^Caddy Local Authority/);
  const plain = await get('sec.test', '/path?q=1');
  t.is(plain.status, 308);
  t.is(plain.headers['location'], 'https://sec.test/path?q=1');
  t.is((await get('app1.test')).status, 200, 'a host without tls keeps serving plain HTTP');
});

test.serial('a replica that stops listening costs a retry, not a failed request', async (t) => {
  // httpd dies, the container (and its IP) stays: connections to it are refused.
  const name = (await docker.listContainers({ filters: { label: [run.filter], name: ['caddy-t-web2'] } }))[0]!.Id;
  const kill = await docker.getContainer(name).exec({ Cmd: ['killall', 'httpd'], AttachStdout: true, AttachStderr: true });
  await kill.start({});
  await until('httpd in web2 to stop', async () => ((await kill.inspect()).Running ? undefined : true));
  const bodies: string[] = [];
  for (let i = 0; i < 20; i++) {
    const res = await get('app1.test');
    t.is(res.status, 200);
    bodies.push(res.body);
  }
  t.true(bodies.every((b) => b === 'web-1'));
});

test.serial('list, reload, remove: routes sorted by app; a removed route answers 404; removing twice is fine', async (t) => {
  const list = await plugin(['list']);
  t.is(list.code, 0);
  t.deepEqual(list.json.data.routes.map((r: { app: string }) => r.app), ['app1', 'sec', 'shop-api', 'shop-web']);
  const reload = await plugin(['reload']);
  t.is(reload.code, 0, reload.stdout);
  t.is(reload.json.data.reloaded, true);
  t.is((await get('app1.test')).status, 200);
  const removed = await plugin(['remove', 'app1'], { VOODU_APP: 'app1' });
  t.is(removed.code, 0, removed.stdout);
  t.deepEqual(removed.json.data, { app: 'app1', removed: true });
  t.is((await get('app1.test')).status, 404);
  t.is((await get('shop.test', '/api/')).body, 'api-1', 'other routes stay');
  const twice = await plugin(['remove', 'app1'], { VOODU_APP: 'app1' });
  t.is(twice.code, 0);
  t.false((await readdir(join(state, 'routes'))).includes('app1.json'));
});

test.serial('error envelopes: missing VOODU_APP and bad JSON exit 1, an unknown command exits 2, --version prints the version', async (t) => {
  const noApp = await plugin(['apply'], { VOODU_APP: '', VOODU_INGRESS_HOST: 'x.test', VOODU_INGRESS_UPSTREAMS: up('web1') });
  t.is(noApp.code, 1);
  t.is(noApp.json.status, 'error');
  t.regex(noApp.json.error, /VOODU_APP not set/);
  const badLocs = await plugin(['apply', 'x'], { VOODU_APP: 'x', VOODU_INGRESS_HOST: 'x.test', VOODU_INGRESS_UPSTREAMS: up('web1'), VOODU_INGRESS_LOCATIONS: '[{"path":' });
  t.is(badLocs.code, 1);
  t.regex(badLocs.json.error, /^VOODU_INGRESS_LOCATIONS: invalid JSON/);
  const badUps = await plugin(['apply', 'x'], { VOODU_APP: 'x', VOODU_INGRESS_HOST: 'x.test', VOODU_INGRESS_UPSTREAMS: '["oops' });
  t.is(badUps.code, 1);
  t.regex(badUps.json.error, /^VOODU_INGRESS_UPSTREAMS: invalid JSON/);
  const traversal = await plugin(['remove', '../x'], { VOODU_APP: '../../etc/passwd' });
  t.is(traversal.code, 1);
  t.regex(traversal.json.error, /^app: /);
  t.false((await readdir(join(state, 'routes'))).includes('x.json'), 'nothing saved for refused input');
  const unknown = await plugin(['frobnicate']);
  t.is(unknown.code, 2);
  t.regex(unknown.json.error, /unknown command "frobnicate"/);
  const none = await plugin([]);
  t.is(none.code, 2);
  t.is(none.json.status, 'error');
  const version = await plugin(['--version']);
  t.is(version.stdout.trim(), '0.1.0');
  const down = await plugin(['reload'], { VOODU_CADDY_ADMIN_URL: 'http://127.0.0.1:1' });
  t.is(down.code, 1);
  t.regex(down.json.error, /admin API at http:\/\/127\.0\.0\.1:1 does not answer/);
  const noSocket = await plugin(['reload'], { VOODU_CADDY_STATE_DIR: join(state, 'elsewhere') });
  t.is(noSocket.code, 1);
  t.regex(noSocket.json.error, /admin API at unix:\/\/.*elsewhere\/config\/admin\.sock does not answer \(ENOENT\)/);
  const otherSocket = await plugin(['reload'], { VOODU_CADDY_ADMIN_URL: 'unix:///tmp/caddy.sock' });
  t.is(otherSocket.code, 1);
  t.regex(otherSocket.json.error, /VOODU_CADDY_ADMIN_URL: .*must be unix:\/\//);
});

test.serial('install with changed settings replaces the container; the routes come back from the route files', async (t) => {
  const before = (await docker.getContainer(caddyName).inspect()).Id;
  const r = await exec(join(PLUGIN, 'install'), ['caddy'], { VOODU_CADDY_LABELS: `${run.key}=${run.value},voodu.test.extra=1` });
  t.is(r.code, 0, r.stderr + r.stdout);
  t.regex(r.stdout, /replaced/);
  t.regex(r.stdout, /loaded 3 route\(s\)/);
  const info = await docker.getContainer(caddyName).inspect();
  t.not(info.Id, before);
  t.is(info.Config.Labels['voodu.test.extra'], '1');
  t.is((await get('shop.test', '/api/')).body, 'api-1');
  t.is((await get('sec.test')).status, 308);
});

test.serial('uninstall hook removes the container and keeps the state', async (t) => {
  const r = await exec(join(PLUGIN, 'uninstall'), ['caddy']);
  t.is(r.code, 0, r.stderr);
  t.is(await docker.getContainer(caddyName).inspect().then(() => 'present', () => 'gone'), 'gone');
  t.true((await readdir(join(state, 'routes'))).includes('sec.json'));
  const again = await exec(join(PLUGIN, 'uninstall'), ['caddy']);
  t.is(again.code, 0, 'uninstall is idempotent');
});
