/**
 * Build mode behind the real Caddy: a whole controller (every core module,
 * the bundled caddy plugin on free loopback ports) and an `app` with
 * `build {}` and a host. The first `voodu apply` builds the directory and
 * Caddy serves its index.html; editing the file and applying again builds a
 * new ID and rolls the replica while a client polls through Caddy every
 * 50 ms, and not one of its requests fails. A Procfile app's web process is
 * served at the host its `.voodu/app.json` names.
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { bootController, type TestController } from '../helpers/controller.js';
import { cleanupDocker, dockerClient, requireDocker, testRunLabel } from '../helpers/docker.js';
import { startEtcd, type TestEtcd } from '../helpers/etcd.js';
import { bundledCaddyEnv, type BundledCaddy } from '../helpers/bundled-caddy.js';
import { waitFor } from '../helpers/wait.js';

const docker = dockerClient();
const run = testRunLabel();
const scope = `bc${randomBytes(3).toString('hex')}`;
const HOST = `site.${scope}.test`;
let etcd: TestEtcd;
let ctl: TestController;
let work: string;
let caddy: BundledCaddy | undefined;

test.before(async () => {
  await requireDocker(docker);
  work = await mkdtemp(join(tmpdir(), 'voodu-build-caddy-'));
  caddy = await bundledCaddyEnv(docker, work, 'voodu-caddy-bc', run);
  etcd = await startEtcd();
  ctl = await bootController({ flags: ['--etcd-endpoints', etcd.endpoint] });
  await writeFile(join(work, 'Dockerfile'), 'FROM voodu-test/busybox:1\nCOPY index.html /www/index.html\nCMD ["httpd", "-f", "-p", "8080", "-h", "/www"]\n');
  await writeFile(join(work, 'voodu.hcl'), `app "${scope}" "site" {\n  build {}\n  ports = ["8080"]\n  host  = "${HOST}"\n}\n`);
});

test.after.always(async () => {
  await ctl?.cleanup();
  await etcd?.stop();
  await cleanupDocker(`voodu.scope=${scope}`, docker);
  await cleanupDocker(run.filter, docker);
  const images = (await docker.listImages()).filter((i) => (i.RepoTags ?? []).some((tag) => tag.startsWith(`${scope}-`))).map((i) => i.Id);
  await Promise.all(images.map((id) => docker.getImage(id).remove({ force: true }).catch(() => undefined)));
  caddy?.restore();
  if (work) await rm(work, { recursive: true, force: true });
});

const get = () => caddy!.get(HOST);

test.serial('a rebuilt context rolls behind Caddy with zero failed requests', async (t) => {
  t.timeout(200_000);
  await writeFile(join(work, 'index.html'), 'built v1\n');
  const first = await runCli(['apply', '-f', join(work, 'voodu.hcl')], { target: ctl });
  t.is(first.code, 0, first.stderr);
  await waitFor('Caddy to serve the first build', async () => (await get().catch(() => undefined))?.body === 'built v1', { timeoutMs: 60_000 });

  // A client polling through Caddy for the whole second apply and until the new build answers.
  let stop = false;
  const seen = { ok: 0, failed: [] as string[], v2: false };
  const poller = (async () => {
    while (!stop) {
      const r = await get().catch((err: Error) => ({ status: 0, body: err.message }));
      if (r.status === 200) {
        seen.ok++;
        if (r.body === 'built v2') seen.v2 = true;
      } else seen.failed.push(`${r.status} ${r.body.slice(0, 80)}`);
      await new Promise((res) => setTimeout(res, 50));
    }
  })();
  await writeFile(join(work, 'index.html'), 'built v2\n');
  const second = await runCli(['apply', '-f', join(work, 'voodu.hcl')], { target: ctl });
  await waitFor('Caddy to serve the new build', async () => seen.v2, { timeoutMs: 60_000 });
  stop = true;
  await poller;
  t.is(second.code, 0, second.stderr);
  t.regex(second.stderr, /-----> Built /);
  t.log(`${seen.ok} requests answered through Caddy during the rebuild and rollout, ${seen.failed.length} failed`);
  t.deepEqual(seen.failed, [], 'no request failed');
});

test.serial('Procfile mode: the web process is served through Caddy at the host of .voodu/app.json', async (t) => {
  t.timeout(150_000);
  const dir = join(work, 'procfile');
  const host = `shop.${scope}.test`;
  await mkdir(join(dir, '.voodu'), { recursive: true });
  await mkdir(join(dir, 'www'), { recursive: true });
  await writeFile(join(dir, 'Dockerfile'), 'FROM voodu-test/busybox:1\nCOPY . /app/\n');
  await writeFile(join(dir, 'www', 'index.html'), 'procfile web\n');
  await writeFile(join(dir, 'Procfile'), 'web: httpd -f -p $PORT -h /app/www\nworker: while true; do sleep 1; done\n');
  await writeFile(join(dir, '.voodu', 'app.json'), JSON.stringify({ scope, ingress: { web: { host } } }));
  const r = await runCli(['apply', '-f', join(dir, 'Procfile')], { target: ctl });
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, new RegExp(`ingress/${scope}/web applied`));
  const answer = await waitFor(`Caddy to serve ${host}`, async () => {
    const res = await caddy!.get(host).catch(() => undefined);
    return res?.status === 200 ? res : undefined;
  }, { timeoutMs: 60_000 });
  t.is(answer.body, 'procfile web');
});
