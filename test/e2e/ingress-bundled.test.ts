/**
 * Ingress out of the box: a whole controller (every core module, the
 * project's own plugins/ as the bundled directory) with no plugin
 * installed, driven by nothing but `voodu apply`. The first `app` with a
 * host installs the bundled caddy plugin during the apply, says so, and is
 * served by the real Caddy (`voodu/caddy:2.6`, on free loopback ports, a
 * unique container name and a temp state dir, all through the controller's
 * environment as an operator would set them). Before that, a host port taken
 * by a docker container, then by a process, fails the apply naming the port
 * and its holder.
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { bootController, type TestController } from '../helpers/controller.js';
import { TEST_IMAGE, cleanupDocker, dockerClient, requireDocker, testRunLabel, uniqueName } from '../helpers/docker.js';
import { startEtcd, type TestEtcd } from '../helpers/etcd.js';
import { bundledCaddyEnv, type BundledCaddy } from '../helpers/bundled-caddy.js';
import { waitFor } from '../helpers/wait.js';

const docker = dockerClient();
const run = testRunLabel();
const scope = `ib${randomBytes(3).toString('hex')}`;
const HOST = `hello.${scope}.test`;
let etcd: TestEtcd;
let ctl: TestController;
let work: string;
let file: string;
let httpPort: number;
let caddy: BundledCaddy | undefined;

test.before(async () => {
  await requireDocker(docker);
  work = await mkdtemp(join(tmpdir(), 'voodu-ingress-bundled-'));
  caddy = await bundledCaddyEnv(docker, work, 'voodu-caddy-ib', run);
  httpPort = caddy.httpPort;
  etcd = await startEtcd();
  ctl = await bootController({ flags: ['--etcd-endpoints', etcd.endpoint] });
  file = join(work, 'voodu.hcl');
  await writeFile(
    file,
    `app "${scope}" "hello" {
  image   = "${TEST_IMAGE}"
  command = ["sh", "-c", "mkdir -p /www && echo hello-from-voodu > /www/index.html && exec httpd -f -p 8080 -h /www"]
  ports   = ["8080"]
  host    = "${HOST}"
}
`,
  );
});

test.after.always(async () => {
  await ctl?.cleanup();
  await etcd?.stop();
  await cleanupDocker(`voodu.scope=${scope}`, docker);
  await cleanupDocker(run.filter, docker);
  caddy?.restore();
  if (work) await rm(work, { recursive: true, force: true });
});

const cli = (...args: string[]) => runCli(args, { target: ctl });
const installed = () => stat(join(ctl.root, 'plugins', 'caddy', 'plugin.yml')).then(() => true, () => false);

const get = (host: string) => caddy!.get(host);

test.serial('a host port published by a docker container fails the apply naming the port and the container', async (t) => {
  t.timeout(120_000);
  const holder = uniqueName('ib-holder');
  const c = await docker.createContainer({
    Image: TEST_IMAGE,
    name: holder,
    Labels: run.labels,
    Cmd: ['sleep', '600'],
    HostConfig: { PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: String(httpPort) }] } },
    ExposedPorts: { '80/tcp': {} },
  });
  await c.start();
  try {
    const res = await cli('apply', '-f', file);
    t.is(res.code, 1, res.stdout);
    t.log(res.stderr);
    t.true(res.stderr.includes(`port ${httpPort} (127.0.0.1:${httpPort}) is taken: docker container "${holder}" publishes it`), res.stderr);
    t.regex(res.stderr, /VOODU_CADDY_HTTP_PORT/, 'the plugin says which setting moves it');
    t.false(await installed(), 'a failed install leaves no plugin behind');
    const stored = await cli('get', 'ingress', '-o', 'json');
    t.deepEqual(JSON.parse(stored.stdout), [], 'nothing is stored by a failed apply');
  } finally {
    await c.remove({ force: true });
  }
});

test.serial('a host port held by a process fails the apply naming the process', async (t) => {
  t.timeout(120_000);
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(httpPort, '127.0.0.1', () => resolve());
  });
  try {
    const res = await cli('apply', '-f', file);
    t.is(res.code, 1, res.stdout);
    t.log(res.stderr);
    const comm = (await readFile('/proc/self/comm', 'utf8')).trim();
    t.true(res.stderr.includes(`port ${httpPort} (127.0.0.1:${httpPort}) is taken: process "${comm}" (pid ${process.pid}) listens on it`), res.stderr);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

test.serial('with nothing but `voodu apply`, the first app with a host installs the bundled caddy plugin and is served through it', async (t) => {
  t.timeout(150_000);
  t.false(await installed());
  const res = await cli('apply', '-f', file);
  t.is(res.code, 0, res.stderr);
  t.regex(res.stdout, /^plugin\/caddy installed caddy \d+\.\d+\.\d+ from bundled$/m);
  // The install's progress reached the CLI while the apply ran, not only the controller log.
  t.regex(res.stderr, /^plugin caddy: not installed; installing the bundled copy \d+\.\d+\.\d+$/m, res.stderr);
  t.regex(res.stderr, /^plugin caddy: installed caddy@/m, res.stderr);
  t.regex(res.stdout, new RegExp(`ingress/${scope}/hello applied`));
  t.true(await installed());
  const answer = await waitFor(
    `Caddy to serve ${HOST}`,
    async () => {
      const r = await get(HOST).catch(() => undefined);
      return r?.status === 200 ? r : undefined;
    },
    { timeoutMs: 60_000, context: async () => (await cli('describe', 'ingress', `${scope}/hello`)).stdout },
  );
  t.is(answer.body, 'hello-from-voodu');
  t.is((await get(`other.${scope}.test`)).status, 404, 'another host is not routed');

  // The second apply finds it installed: nothing to report.
  const again = await cli('apply', '-f', file, '-o', 'json');
  t.is(again.code, 0, again.stderr);
  t.is((JSON.parse(again.stdout) as { plugin_installs?: unknown }).plugin_installs, undefined);
});
