/**
 * Build mode end to end: `voodu apply` (the CLI in this process) packs a
 * directory holding a Dockerfile, streams it to a controller (deployment,
 * build and release-dir modules on a real etcd and the real engine), which
 * builds it and rolls the replicas onto `<app>:<buildId>`. The replicas
 * serve the context's index.html with busybox httpd; the test reads it from
 * inside a replica. Every Dockerfile starts `FROM voodu-test/busybox:1`, so
 * nothing is pulled. Containers and images are removed by scope afterwards.
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootModules, type ModuleController } from '../helpers/controller.js';
import { dockerClient, removeScopes, requireDocker } from '../helpers/docker.js';
import { startEtcd, type TestEtcd } from '../helpers/etcd.js';
import { runCli } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';

const docker = dockerClient();
const prefix = `bd${randomBytes(2).toString('hex')}`;
const MODULES = ['paths', 'store', 'runtime', 'api', 'config', 'assets', 'reconciler', 'apply', 'workload', 'deployment', 'release', 'rollouts', 'pods', 'events', 'job', 'statefulset', 'build'];

let etcd: TestEtcd;
let ctl: ModuleController;
let work: string;

test.before(async () => {
  await requireDocker(docker);
  etcd = await startEtcd();
  work = await mkdtemp(join(tmpdir(), 'voodu-build-test-'));
  ctl = await bootModules(etcd.endpoint, MODULES, { deployment: { readyTimeoutMs: 15_000 }, workload: { readinessGraceMs: 500 } });
});

test.after.always(async () => {
  if (process.env.VOODU_TEST_DUMP) process.stderr.write(`controller log:\n${ctl?.logs.join('\n')}\n`);
  await ctl?.stop();
  await etcd?.stop();
  await removeScopes(prefix, docker);
  const images = await docker.listImages();
  await Promise.all(
    images
      .filter((i) => (i.RepoTags ?? []).some((tag) => tag.startsWith(prefix)))
      .map((i) => docker.getImage(i.Id).remove({ force: true }).catch(() => undefined)),
  );
  if (work) await rm(work, { recursive: true, force: true });
});

let scopes = 0;
const newScope = () => `${prefix}s${++scopes}`;

const DOCKERFILE = ['FROM voodu-test/busybox:1', 'COPY . /www/', 'CMD ["httpd", "-f", "-p", "8080", "-h", "/www"]', ''].join('\n');

/** A source directory with a Dockerfile, an index.html and a voodu.hcl building it. */
async function app(scope: string, opts: { html?: string; hcl?: string; files?: Record<string, string>; dockerfile?: string } = {}) {
  const dir = join(work, scope);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'Dockerfile'), opts.dockerfile ?? DOCKERFILE);
  await writeFile(join(dir, 'index.html'), opts.html ?? `<h1>${scope} v1</h1>\n`);
  for (const [name, text] of Object.entries(opts.files ?? {})) await writeFile(join(dir, name), text);
  await writeFile(join(dir, 'voodu.hcl'), opts.hcl ?? `deployment "${scope}" "web" {\n  build {}\n  ports = ["8080"]\n}\n`);
  return dir;
}

const apply = (dir: string) => runCli(['apply', '-f', join(dir, 'voodu.hcl')], { target: ctl });

async function replicasOf(scope: string) {
  return docker.listContainers({ filters: { label: [`voodu.scope=${scope}`, 'voodu.name=web', 'voodu.role=deployment'], status: ['running'] } });
}

/** What `path` holds inside the (single) running replica, via its own httpd. */
async function served(scope: string, path = '/index.html'): Promise<string> {
  const [replica] = await replicasOf(scope);
  if (!replica) return '';
  const exec = await docker.getContainer(replica.Id).exec({ Cmd: ['wget', '-qO-', `http://127.0.0.1:8080${path}`], AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({});
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve) => {
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve());
  });
  // Multiplexed frames: 8-byte headers, then the payload.
  const raw = Buffer.concat(chunks);
  let out = '';
  for (let i = 0; i + 8 <= raw.length; ) {
    const len = raw.readUInt32BE(i + 4);
    if (raw[i] === 1) out += raw.subarray(i + 8, i + 8 + len).toString();
    i += 8 + len;
  }
  return out;
}

const imageTags = async (app: string) =>
  (await docker.listImages({ filters: { reference: [app] } })).flatMap((i) => i.RepoTags ?? []).filter((t) => t.startsWith(`${app}:`)).sort();

test('apply builds the context, streams the log, and the replicas serve it; an unchanged re-apply does not rebuild; a new build rolls; rollback serves the old one', async (t) => {
  t.timeout(120_000);
  const scope = newScope();
  const dir = await app(scope);
  const first = await apply(dir);
  t.is(first.code, 0, first.stderr);
  t.regex(first.stderr, /Sending the build context/);
  t.regex(first.stderr, /Step 1\/3 : FROM voodu-test\/busybox:1/, 'the build log streams to the CLI');
  t.regex(first.stderr, /-----> Built /);
  const id1 = /build ([0-9a-f]{12})/.exec(first.stderr)?.[1];
  t.truthy(id1, first.stderr);
  t.deepEqual(await imageTags(`${scope}-web`), [`${scope}-web:${id1}`, `${scope}-web:latest`]);
  t.is(await served(scope), `<h1>${scope} v1</h1>\n`);
  const [replica] = await replicasOf(scope);
  t.is(replica!.Image, `${scope}-web:${id1}`);
  t.is(await readlink(join(ctl.root, 'apps', `${scope}-web`, 'current')), join('releases', id1!));

  const again = await apply(dir);
  t.is(again.code, 0, again.stderr);
  t.regex(again.stderr, new RegExp(`build ${id1} is already on the host .*not rebuilt`));
  t.notRegex(again.stderr, /Step 1\/3/);
  t.regex(again.stdout, /No changes\./);

  await writeFile(join(dir, 'index.html'), `<h1>${scope} v2</h1>\n`);
  const second = await apply(dir);
  t.is(second.code, 0, second.stderr);
  const id2 = /build ([0-9a-f]{12})/.exec(second.stderr)?.[1];
  t.not(id2, id1);
  t.is(await served(scope), `<h1>${scope} v2</h1>\n`);
  t.is(await readlink(join(ctl.root, 'apps', `${scope}-web`, 'current')), join('releases', id2!));

  const started = Date.now();
  const back = await runCli(['rollback', `${scope}/web`], { target: ctl });
  t.is(back.code, 0, back.stderr);
  t.log(`rollback to the previous build took ${Date.now() - started} ms`);
  await waitFor('the old build served again', async () => (await served(scope)) === `<h1>${scope} v1</h1>\n`, { timeoutMs: 30_000 });
  t.is((await replicasOf(scope))[0]!.Image, `${scope}-web:${id1}`);
  await waitFor('current back on the old release', async () => (await readlink(join(ctl.root, 'apps', `${scope}-web`, 'current'))) === join('releases', id1!));
});

test('.dockerignore is honoured: an ignored secret never reaches the image', async (t) => {
  const scope = newScope();
  const dir = await app(scope, { files: { 'secret.txt': 'hunter2\n', '.dockerignore': 'secret.txt\n*.log\n', 'debug.log': 'x\n', 'keep.txt': 'kept\n' } });
  const r = await apply(dir);
  t.is(r.code, 0, r.stderr);
  t.is(await served(scope, '/keep.txt'), 'kept\n');
  t.is(await served(scope, '/secret.txt'), '', 'the ignored file is not in the image');
  t.is(await served(scope, '/debug.log'), '');
});

test('a symlink leaving the context is refused before anything is sent or applied', async (t) => {
  const scope = newScope();
  const dir = await app(scope);
  await symlink('/etc/passwd', join(dir, 'passwd'));
  const r = await apply(dir);
  t.is(r.code, 1);
  t.regex(r.stderr, /passwd/);
  t.regex(r.stderr, /outside/);
  t.deepEqual(await imageTags(`${scope}-web`), []);
  t.is((await replicasOf(scope)).length, 0);
});

test('a failing RUN step: apply fails naming the step, and the previous release keeps serving', async (t) => {
  const scope = newScope();
  const dir = await app(scope);
  t.is((await apply(dir)).code, 0);
  t.is(await served(scope), `<h1>${scope} v1</h1>\n`);
  const [before] = await replicasOf(scope);
  await writeFile(join(dir, 'Dockerfile'), ['FROM voodu-test/busybox:1', 'COPY . /www/', 'RUN echo compiling && exit 3', 'CMD ["httpd", "-f", "-p", "8080", "-h", "/www"]', ''].join('\n'));
  await writeFile(join(dir, 'index.html'), `<h1>${scope} broken</h1>\n`);
  const r = await apply(dir);
  t.is(r.code, 1);
  t.regex(r.stderr, /step 3\/4 \(RUN echo compiling && exit 3\)/, 'the failing step is named');
  t.regex(r.stderr, /compiling/, 'the log up to the failure is shown');
  t.is(await served(scope), `<h1>${scope} v1</h1>\n`, 'the old release still serves');
  t.is((await replicasOf(scope))[0]!.Id, before!.Id, 'nothing was rolled');
});

test('keep_releases = 2: after four builds two release dirs and two build images remain, the current one among them', async (t) => {
  const scope = newScope();
  const hcl = `deployment "${scope}" "web" {\n  build {}\n  ports = ["8080"]\n  keep_releases = 2\n}\n`;
  const dir = await app(scope, { hcl });
  const ids: string[] = [];
  for (let i = 1; i <= 4; i++) {
    await writeFile(join(dir, 'index.html'), `<h1>${scope} v${i}</h1>\n`);
    const r = await apply(dir);
    t.is(r.code, 0, r.stderr);
    ids.push(/build ([0-9a-f]{12})/.exec(r.stderr)![1]!);
  }
  const releases = (await readdir(join(ctl.root, 'apps', `${scope}-web`, 'releases'))).filter((n) => !n.startsWith('.')).sort();
  t.deepEqual(releases, [ids[2]!, ids[3]!].sort());
  t.deepEqual(await imageTags(`${scope}-web`), [...[ids[2]!, ids[3]!].map((id) => `${scope}-web:${id}`), `${scope}-web:latest`].sort());
  t.is(await readlink(join(ctl.root, 'apps', `${scope}-web`, 'current')), join('releases', ids[3]!));
  t.is(await served(scope), `<h1>${scope} v4</h1>\n`);

  // A rollback to a build that was collected is refused up front, naming the build.
  const described = await runCli(['describe', 'deployment', `${scope}/web`, '-o', 'json'], { target: ctl });
  const records = (JSON.parse(described.stdout) as { status: { releases: { id: string; build_id?: string }[] } }).status.releases;
  const gone = records.find((r) => r.build_id === ids[0]);
  t.truthy(gone, described.stdout);
  const back = await runCli(['rollback', `${scope}/web`, gone!.id], { target: ctl });
  t.is(back.code, 1);
  t.regex(back.stderr, new RegExp(`build ${ids[0]}, whose image ${scope}-web:${ids[0]} is no longer on this host`));
  t.is(await served(scope), `<h1>${scope} v4</h1>\n`, 'nothing changed');
});

test('Procfile mode: one build, a deployment per process on ports 5000 and 5001, the release process run first, app.json ingress stored', async (t) => {
  t.timeout(120_000);
  const scope = newScope();
  const dir = join(work, `${scope}-procfile`);
  await mkdir(join(dir, 'www'), { recursive: true });
  await mkdir(join(dir, '.voodu'), { recursive: true });
  await writeFile(join(dir, 'Dockerfile'), 'FROM voodu-test/busybox:1\nCOPY . /app/\nWORKDIR /app\n');
  await writeFile(join(dir, 'www', 'index.html'), `<h1>${scope} procfile</h1>\n`);
  await writeFile(
    join(dir, 'Procfile'),
    ['web: httpd -f -p $PORT -h /app/www', 'worker: while true; do echo "$PORT" > /tmp/port; sleep 1; done', 'release: echo "release ran in $(pwd)"', ''].join('\n'),
  );
  await writeFile(join(dir, '.voodu', 'app.json'), JSON.stringify({ ingress: { web: { host: `${scope}.example.test` } } }));
  const r = await runCli(['apply', '-f', join(dir, 'Procfile'), '--app', scope], { target: ctl });
  t.is(r.code, 0, r.stderr);
  t.is((r.stderr.match(/Step 1\/3/g) ?? []).length, 1, 'built once for every process');
  t.regex(r.stderr, /release ran in \/app/, 'the release process ran, its output shown');
  t.regex(r.stderr, /Release command succeeded/);
  const web = await docker.listContainers({ filters: { label: [`voodu.scope=${scope}`, 'voodu.name=web', 'voodu.role=deployment'] } });
  const worker = await docker.listContainers({ filters: { label: [`voodu.scope=${scope}`, 'voodu.name=worker', 'voodu.role=deployment'] } });
  t.is(web.length, 1);
  t.is(worker.length, 1);
  const envOf = async (id: string) => (await docker.getContainer(id).inspect()).Config.Env;
  t.true((await envOf(web[0]!.Id)).includes('PORT=5000'));
  t.true((await envOf(worker[0]!.Id)).includes('PORT=5001'));
  const id = /build ([0-9a-f]{12})/.exec(r.stderr)![1]!;
  t.is(web[0]!.Image, `${scope}-web:${id}`);
  t.is(worker[0]!.Image, `${scope}-worker:${id}`);
  // The web process serves the context through httpd on its port.
  const exec = await docker.getContainer(web[0]!.Id).exec({ Cmd: ['wget', '-qO-', 'http://127.0.0.1:5000/'], AttachStdout: true });
  const out = await new Promise<string>((resolve) =>
    exec.start({}, (_err: unknown, stream: NodeJS.ReadableStream | undefined) => {
      let text = '';
      stream!.on('data', (c: Buffer) => (text += c.toString('latin1')));
      stream!.on('end', () => resolve(text));
    }),
  );
  t.regex(out, new RegExp(`<h1>${scope} procfile</h1>`));
  const ingress = await runCli(['get', 'ingress', '-o', 'json'], { target: ctl });
  const stored = (JSON.parse(ingress.stdout) as { scope: string; name: string; spec: { host: string; port?: number } }[]).find((m) => m.scope === scope);
  t.like(stored, { name: 'web', spec: { host: `${scope}.example.test`, port: 5000 } });
  t.regex(await readFile(join(dir, '.voodu', 'app.json'), 'utf8'), new RegExp(`"scope": "${scope}"`), '--app is saved to app.json');
});

test('Procfile --eject writes the HCL and contacts nothing', async (t) => {
  const dir = join(work, 'eject');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'Procfile'), 'web: httpd -f -p $PORT\n');
  const r = await runCli(['apply', '-f', join(dir, 'Procfile'), '--app', 'ej1', '--eject'], { env: { VOODU_CONTROLLER_URL: 'http://127.0.0.1:9' } });
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /wrote .*\.voodu\/ej1\.voodu/);
  const hcl = await readFile(join(dir, '.voodu', 'ej1.voodu'), 'utf8');
  t.regex(hcl, /deployment "ej1" "web"/);
});

test('post_deploy runs on the host in the release dir once the build serves; a failing command is a warning and the next still runs', async (t) => {
  const scope = newScope();
  const out = join(work, `${scope}-post.txt`);
  const third = join(work, `${scope}-third`);
  const hcl = `deployment "${scope}" "web" {\n  build {}\n  ports = ["8080"]\n  post_deploy = ["echo \\"$VOODU_BUILD_ID $(pwd)\\" > ${out}", "exit 4", "touch ${third}"]\n}\n`;
  const dir = await app(scope, { hcl });
  const r = await apply(dir);
  t.is(r.code, 0, r.stderr);
  const id = /build ([0-9a-f]{12})/.exec(r.stderr)![1]!;
  const written = await waitFor('the first post_deploy command', async () => (await readFile(out, 'utf8').catch(() => '')).trim() || undefined);
  t.is(written, `${id} ${join(ctl.root, 'apps', `${scope}-web`, 'releases', id)}`);
  await waitFor('the third command, after the failing second', async () => (await readFile(third, 'utf8').then(() => true, () => false)));
  t.true(ctl.logs.some((l) => l.includes(`${scope}-web: post_deploy 2/3 of build ${id} failed: exited 4`)));
  // An unchanged re-apply (and every later reconcile) runs nothing again.
  await rm(third);
  t.is((await apply(dir)).code, 0);
  await new Promise((res) => setTimeout(res, 1500));
  t.false(await readFile(third, 'utf8').then(() => true, () => false));
});

test('delete --prune takes the build images with the app', async (t) => {
  const scope = newScope();
  const dir = await app(scope);
  t.is((await apply(dir)).code, 0);
  t.is((await imageTags(`${scope}-web`)).length, 2);
  const gone = await runCli(['delete', `${scope}/web`, '--prune', '-y'], { target: ctl });
  t.is(gone.code, 0, gone.stderr);
  t.regex(gone.stdout, /build images removed: /);
  t.deepEqual(await imageTags(`${scope}-web`), []);
});

test('a statefulset builds too: its pods run the build', async (t) => {
  const scope = newScope();
  const hcl = `statefulset "${scope}" "db" {\n  build {}\n  replicas = 1\n}\n`;
  const dir = await app(scope, { hcl });
  const r = await apply(dir);
  t.is(r.code, 0, r.stderr);
  const id = /build ([0-9a-f]{12})/.exec(r.stderr)![1]!;
  const pods = await waitFor('the statefulset pod running', async () => {
    const list = await docker.listContainers({ filters: { label: [`voodu.scope=${scope}`, 'voodu.name=db', 'voodu.role=statefulset'], status: ['running'] } });
    return list.length ? list : undefined;
  });
  t.is(pods[0]!.Image, `${scope}-db:${id}`);
});
