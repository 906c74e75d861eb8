/**
 * The CLI over SSH (docs/cli.md, remotes): a real OpenSSH
 * server on a loopback port with throwaway keys, a controller booted here
 * (real etcd, real Docker), and the real CLI forwarding to `voodu` on the
 * "host" — which is this machine, run from source (VOODU_REMOTE_BIN). The
 * remotes file lives in a temp XDG_CONFIG_HOME; ssh uses a temp known_hosts
 * and no user config (VOODU_SSH_OPTIONS).
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { keys } from '../../lib/identity.js';
import { bootModules, type ModuleController } from '../helpers/controller.js';
import { TEST_IMAGE, dockerClient, removeScopes, requireDocker, uniqueName } from '../helpers/docker.js';
import { startEtcd, type TestEtcd } from '../helpers/etcd.js';
import { freePort } from '../helpers/ports.js';
import { apiFetch } from '../helpers/http.js';
import { requireSsh, startSshd, type TestSshd } from '../helpers/sshd.js';
import { waitFor } from '../helpers/wait.js';
import { runCli } from '../helpers/cli.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../fixtures/plugins/', import.meta.url));
const BIN = join(ROOT, 'bin', 'voodu.ts');
const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs');
const REMOTE_BIN = `${process.execPath} --import=${TSX} --disable-warning=DEP0111 ${BIN}`;
const MODULES = ['paths', 'store', 'runtime', 'api', 'config', 'assets', 'reconciler', 'apply', 'probes', 'workload', 'deployment', 'job', 'pods', 'plugins', 'events', 'rollouts', 'build'];
/** Every scope this file creates starts with this, so cleanup finds them all and nothing else. */
const PREFIX = uniqueName('ssh');

let etcd: TestEtcd;
let ctl: ModuleController;
let sshd: TestSshd;
let work: string;
let env: NodeJS.ProcessEnv;

test.before(async () => {
  requireSsh();
  await requireDocker();
  etcd = await startEtcd();
  ctl = await bootModules(etcd.endpoint, MODULES, { plugins: { timeoutMs: 8000 } });
  await cp(join(FIXTURES, 'dispatch'), join(ctl.root, 'plugins', 'acts'), { recursive: true });
  // The host side's voodu finds the token in $VOODU_ROOT/api-token, as on a real host.
  sshd = await startSshd({ VOODU_CONTROLLER_URL: ctl.url, VOODU_ROOT: ctl.root });
  work = await mkdtemp(join(tmpdir(), 'voodu-ssh-e2e-'));
  env = {
    PATH: process.env.PATH,
    HOME: work,
    XDG_CONFIG_HOME: join(work, 'config'),
    VOODU_SSH_OPTIONS: sshd.sshOptions,
    VOODU_REMOTE_BIN: REMOTE_BIN,
    // The remote side is `node` + tsx on a busy 2-core machine; the watch after apply only needs to run.
  };
  const added = await cli(['remote', 'add', 'box', `root@127.0.0.1:${sshd.port}`, '--identity', sshd.identity]);
  if (added.code !== 0) throw new Error(`remote add: ${added.stderr}`);
});

test.after.always(async () => {
  await sshd?.stop();
  // The controller first: a running reconciler would put back the replicas removed here.
  await ctl?.stop();
  await removeScopes(PREFIX);
  await etcd?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

const apiDocker = () => dockerClient();
const dockerImages = async (repo: string) =>
  (await apiDocker().listImages({ filters: { reference: [repo] } })).flatMap((i) => i.RepoTags ?? []).filter((tag) => tag.startsWith(`${repo}:`));

/** The CLI in this process, stdin empty; extra env overlays the suite's. */
async function cli(args: string[], extra: NodeJS.ProcessEnv = {}) {
  return runCli(args, { env: { ...env, ...extra } });
}

/** The CLI as its own process (a real, non-terminal stdin), for prompts and for streams we kill. */
function cliProcess(args: string[], extra: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, ['--import=tsx', '--disable-warning=DEP0111', BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env, ...extra },
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<number>((resolve) => child.once('close', (code, signal) => resolve(code ?? (signal ? 128 : 1))));
  return { child, done, out: () => stdout, err: () => stderr };
}

/** Runs argv under a pseudo-terminal (util-linux `script`), as a user at a terminal would; resolves with its exit code and output. */
function underTerminal(argv: string[]): Promise<{ code: number; out: string }> {
  const quoted = argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn('script', ['-qec', quoted, '/dev/null'], { cwd: ROOT, env: { ...process.env, ...env, SHELL: '/bin/sh' }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  child.stdin.end();
  return new Promise((resolve) => child.once('close', (code) => resolve({ code: code ?? 1, out })));
}

async function hcl(name: string, text: string): Promise<string> {
  const file = join(work, name);
  await writeFile(file, text);
  return file;
}

const stored = (kind: string, scope: string, name: string) => etcd.store.getJSON<{ spec: Record<string, any> }>(keys.desired({ kind, scope, name }));

test.serial('remote add, list, default and remove keep a 0600 file in the config dir and validate what they are given', async (t) => {
  const own = { XDG_CONFIG_HOME: join(work, 'config-crud') };
  const file = join(work, 'config-crud', 'voodu', 'remotes.json');
  t.is((await cli(['remote', 'add', 'prod', 'root@203.0.113.10'], own)).code, 0);
  const staging = await cli(['remote', 'add', 'staging', 'deploy@staging.example.com:2222', '--identity', sshd.identity], own);
  t.is(staging.code, 0, staging.stderr);
  t.is((await stat(file)).mode & 0o777, 0o600);

  const bad = await cli(['remote', 'add', 'x', 'root@host;rm -rf /'], own);
  t.is(bad.code, 1);
  t.regex(bad.stderr, /target "root@host;rm -rf \/" is not valid; give user@host or user@host:port/);
  t.regex((await cli(['remote', 'add', '-bad', 'root@h'], own)).stderr, /unknown option|remote name/);
  t.regex((await cli(['remote', 'add', 'p2', 'root@h:70000'], own)).stderr, /port 70000 is out of range/);
  t.regex((await cli(['remote', 'add', 'prod', 'root@h'], own)).stderr, /remote "prod" already exists/);
  t.regex((await cli(['remote', 'add', 'k', 'root@h', '--identity', join(work, 'nope')], own)).stderr, /--identity: .*nope is not a file/);

  const list = await cli(['remote', 'list', '-o', 'json'], own);
  t.is(list.code, 0, list.stderr);
  t.deepEqual(JSON.parse(list.stdout), [
    { name: 'prod', target: 'root@203.0.113.10', default: true },
    { name: 'staging', target: 'deploy@staging.example.com:2222', identity: sshd.identity, default: false },
  ]);
  t.is((await cli(['remote', 'default', 'staging'], own)).code, 0);
  t.regex((await cli(['remote', 'list'], own)).stdout, /^\*\s+staging\s+deploy@staging\.example\.com:2222/m);
  t.regex((await cli(['remote', 'default', 'ghost'], own)).stderr, /no remote named "ghost"/);
  t.is((await cli(['remote', 'remove', 'staging'], own)).code, 0);
  t.deepEqual(JSON.parse(await readFile(file, 'utf8')), { remotes: { prod: { target: 'root@203.0.113.10' } } });
  t.regex((await cli(['-r', 'ghost', 'get'], own)).stderr, /no remote named "ghost"; add it with `voodu remote add ghost user@host` \(known: prod\)/);
});

test.serial('build mode over SSH: the context is packed here, streamed to the host, built there; an unchanged re-apply sends nothing', async (t) => {
  const scope = `${PREFIX}-bd`;
  const src = join(work, 'src');
  await mkdir(src, { recursive: true });
  await writeFile(join(src, 'Dockerfile'), 'FROM voodu-test/busybox:1\nCOPY . /www/\nCMD ["httpd", "-f", "-p", "8080", "-h", "/www"]\n');
  await writeFile(join(src, 'index.html'), 'over ssh\n');
  await writeFile(join(src, '.dockerignore'), 'secret.txt\n');
  await writeFile(join(src, 'secret.txt'), 'laptop only\n');
  await writeFile(join(src, 'voodu.hcl'), `deployment "${scope}" "web" {\n  build {}\n}\n`);
  try {
    const first = await cli(['-r', 'box', 'apply', '-f', join(src, 'voodu.hcl'), '-y']);
    t.is(first.code, 0, first.stderr);
    const id = /build ([0-9a-f]{12})/.exec(first.stderr)?.[1];
    t.truthy(id, first.stderr);
    t.regex(first.stderr, /Streaming it to .* over ssh/);
    t.regex(first.stderr, /Step 2\/3 : COPY \. \/www\//, 'the host\'s build log reaches this side');
    t.regex(first.stdout, new RegExp(`deployment/${scope}/web applied`));
    t.is((await stored('deployment', scope, 'web'))!.spec.build.id, id);
    await waitFor('the built replica running', async () => {
      const res = await apiFetch(ctl, `/pods?scope=${scope}`);
      const pods = ((await res.json()) as { data?: { image?: string; state?: string }[] }).data ?? [];
      return pods.some((p) => p.image === `${scope}-web:${id}`);
    });

    const again = await cli(['-r', 'box', 'apply', '-f', join(src, 'voodu.hcl'), '-y']);
    t.is(again.code, 0, again.stderr);
    t.regex(again.stderr, new RegExp(`build ${id} is already on the host`));
    t.notRegex(again.stderr, /Streaming it to/);
    t.regex(again.stdout, /No changes\. Nothing to apply\./);
  } finally {
    const images = await dockerImages(`${scope}-web`);
    await Promise.all(images.map((tag) => apiDocker().getImage(tag).remove({ force: true }).catch(() => undefined)));
  }
});

test.serial('apply over SSH reads file() on this side, shows the plan, stores the resource; diff and a re-apply see what changed', async (t) => {
  const scope = `${PREFIX}-ap`;
  const local = join(work, 'app.conf');
  await writeFile(local, 'greeting=from-the-laptop\n');
  const manifest = await hcl('asset.hcl', `asset "${scope}" "conf" {\n  app = file("${local}")\n}\n`);

  const first = await cli(['-r', 'box', 'apply', '-f', manifest, '-y']);
  t.is(first.code, 0, first.stderr);
  t.regex(first.stdout, new RegExp(`\\+ asset/${scope}/conf \\(new\\)`));
  t.regex(first.stdout, /1 to add/);
  t.regex(first.stdout, new RegExp(`asset/${scope}/conf applied`));
  const asset = await stored('asset', scope, 'conf');
  t.truthy(asset, 'the asset was not stored');
  t.true(JSON.stringify(asset!.spec).includes(Buffer.from('greeting=from-the-laptop\n').toString('base64')) || JSON.stringify(asset!.spec).includes('from-the-laptop'));

  const again = await cli(['-r', 'box', 'apply', '-f', manifest, '-y']);
  t.is(again.code, 0, again.stderr);
  t.regex(again.stdout, /^No changes\. Nothing to apply\.$/m);

  await writeFile(local, 'greeting=changed\n');
  const diff = await cli(['-r', 'box', 'diff', '-f', manifest]);
  t.is(diff.code, 0, diff.stderr);
  t.regex(diff.stdout, new RegExp(`~ asset/${scope}/conf`));
  t.regex(diff.stdout, /1 to modify/);
  // The host's exit code is ours: --detailed-exitcode says 2 when there are changes.
  t.is((await cli(['-r', 'box', 'diff', '-f', manifest, '--detailed-exitcode'])).code, 2);

  // `${VAR}` comes from the HOST's config bucket (read over ssh), set over ssh first.
  const set = await cli(['-r', 'box', 'config', `${scope}/web`, 'set', 'TOKEN=s3cret-value', '--no-restart']);
  t.is(set.code, 0, set.stderr);
  const web = await hcl('web.hcl', `deployment "${scope}" "web" {\n  image = "${TEST_IMAGE}"\n  command = ["sleep", "3600"]\n  env = { FROM_BUCKET = "\${TOKEN}" }\n}\n`);
  const applied = await cli(['-r', 'box', 'apply', '-f', web, '-y']);
  t.is(applied.code, 0, applied.stderr);
  t.is((await stored('deployment', scope, 'web'))?.spec.env?.FROM_BUCKET, 's3cret-value');

  // delete -f asks here (the host has no terminal); without -y a script is refused and nothing goes.
  const refused = await cli(['-r', 'box', 'delete', '-f', manifest]);
  t.is(refused.code, 1);
  t.regex(refused.stderr, /refusing to delete in non-interactive mode without --auto-approve/);
  t.truthy(await stored('asset', scope, 'conf'));
  const deleted = await cli(['-r', 'box', 'delete', '-f', manifest, '-y']);
  t.is(deleted.code, 0, deleted.stderr);
  t.regex(deleted.stdout, new RegExp(`- asset/${scope}/conf deleted`));
  t.is(await stored('asset', scope, 'conf'), undefined);
});

test.serial('a non-interactive apply without -y shows the plan and refuses, storing nothing', async (t) => {
  const scope = `${PREFIX}-ref`;
  const manifest = await hcl('refuse.hcl', `deployment "${scope}" "web" {\n  image = "${TEST_IMAGE}"\n  command = ["sleep", "3600"]\n}\n`);
  const p = cliProcess(['-r', 'box', 'apply', '-f', manifest]);
  p.child.stdin.end();
  const code = await p.done;
  t.is(code, 1, p.err());
  t.regex(p.out(), new RegExp(`\\+ deployment/${scope}/web \\(new\\)`));
  t.regex(p.err(), /refusing to apply in non-interactive mode without --auto-approve \(or VOODU_AUTO_APPROVE=1\)/);
  t.is(await stored('deployment', scope, 'web'), undefined);
});

test.serial('logs -f streams over SSH, exec returns the command exit code, a failing remote command returns its code', async (t) => {
  const scope = `${PREFIX}-lg`;
  const manifest = await hcl(
    'logs.hcl',
    `deployment "${scope}" "talker" {\n  image = "${TEST_IMAGE}"\n  command = ["sh", "-c", "i=0; while true; do echo talk-$i; i=$((i+1)); sleep 1; done"]\n}\n`,
  );
  const applied = await cli(['-r', 'box', 'apply', '-f', manifest], { VOODU_AUTO_APPROVE: '1' });
  t.is(applied.code, 0, applied.stderr);
  await waitFor(
    'the talker pod to run',
    async () => {
      const r = await apiFetch(ctl, `/pods?scope=${scope}`).then((x) => x.json() as Promise<{ data?: { status?: string; state?: string }[] }>);
      return JSON.stringify(r.data ?? []).includes('running');
    },
    { timeoutMs: 60_000, intervalMs: 500, context: () => ctl.logs.slice(-10).join('\n') },
  );

  const logs = cliProcess(['-r', 'box', 'logs', '-f', `${scope}/talker`]);
  try {
    await waitFor('two streamed log lines', () => (logs.out().match(/talk-\d+/g) ?? []).length >= 2, { timeoutMs: 60_000, context: () => logs.err() });
  } finally {
    try {
      process.kill(-logs.child.pid!, 'SIGTERM');
    } catch {
      /* already gone */
    }
    await logs.done;
  }
  t.pass();

  // Quotes, `$` and backticks reach the container byte for byte: the remote shell only ever sees single-quoted tokens.
  const exec = await cli(['-r', 'box', 'exec', `${scope}/talker`, '--', 'sh', '-c', 'printf "%s|" "$1" "$2"; exit 7', 'sh', "it's", '$HOME; `id` "x"']);
  t.is(exec.code, 7, exec.stderr);
  t.is(exec.stdout, 'it\'s|$HOME; `id` "x"|');

  // exec -it under a real terminal: `script` gives the CLI a pty, the CLI asks ssh for one (-tt), and the remote command sees a terminal.
  const tty = await underTerminal([process.execPath, '--import=tsx', '--disable-warning=DEP0111', BIN, '-r', 'box', 'exec', '-it', `${scope}/talker`, '--', 'sh', '-c', 'test -t 0 && echo on-a-tty; exit 5']);
  t.is(tty.code, 5, tty.out);
  t.regex(tty.out, /on-a-tty/);

  const missing = await cli(['-r', 'box', 'describe', 'deployment', `${scope}/nope`]);
  t.is(missing.code, 1);
  t.regex(missing.stderr, /not found/);
});

test.serial('apply over SSH follows the rollout on the host and fails on a reconcile error that appears after the apply', async (t) => {
  const scope = `${PREFIX}-rc`;
  // Docker creates the container but cannot start it: the reconcile fails after the apply succeeded.
  const manifest = await hcl('broken.hcl', `deployment "${scope}" "broken" {\n  image = "${TEST_IMAGE}"\n  command = ["/no/such/binary"]\n}\n`);
  const res = await cli(['-r', 'box', 'apply', '-f', manifest, '-y']);
  t.regex(res.stdout, new RegExp(`deployment/${scope}/broken applied`));
  t.regex(res.stderr, new RegExp(`deployment/${scope}/broken: rollout failed: .*no/such/binary`), res.stderr);
  t.is(res.code, 1);
});

test.serial('a plugin verb over SSH runs exec_local on the host and fetch_file copies the file back over ssh', async (t) => {
  const scope = `${PREFIX}-pl`;
  const out = join(work, 'plugin-out');
  await (await import('node:fs/promises')).mkdir(out);
  // A local `sh` wrapper that leaves a mark if exec_local ran on THIS side; it must run on the host (its own PATH).
  const wrappers = join(work, 'wrappers');
  await (await import('node:fs/promises')).mkdir(wrappers);
  await writeFile(join(wrappers, 'sh'), `#!/bin/sh\necho laptop > ${join(out, 'side.txt')}\nexec /bin/sh "$@"\n`);
  await chmod(join(wrappers, 'sh'), 0o755);
  const res = await cli(['-r', 'box', `acts:all`, scope, out], { PATH: `${wrappers}:${process.env.PATH}` });
  t.is(res.code, 0, res.stderr);
  t.regex(res.stdout, /^acts did everything \(hello from plugin\.yml\)$/m);
  t.regex(res.stdout, new RegExp(`✓ config_set ${scope}/api: FROM_PLUGIN`));
  t.is(await readFile(join(out, 'exec-local.txt'), 'utf8'), 'ran-locally\n');
  t.false(await stat(join(out, 'side.txt')).then(() => true, () => false), 'exec_local ran on the laptop side, not on the host');
  t.regex(res.stdout, /✓ wrote .*report\.txt \(28 bytes\)/);
  t.is(await readFile(join(out, 'report.txt'), 'utf8'), 'report from the acts plugin\n');

  const twice = await cli(['-r', 'box', `acts:all`, scope, out]);
  t.is(twice.code, 1);
  t.regex(twice.stderr, /fetch_file .*report\.txt: file already exists/);
});

test.serial('preflight says plainly when the host has no voodu, or no controller answering it', async (t) => {
  const manifest = await hcl('pre.hcl', `asset "${PREFIX}-pre" "c" {\n  k = "v"\n}\n`);
  const noBin = await cli(['-r', 'box', 'apply', '-f', manifest, '-y'], { VOODU_REMOTE_BIN: '/nonexistent/voodu' });
  t.is(noBin.code, 1);
  t.regex(noBin.stderr, /the remote box \(root@127\.0\.0\.1:\d+\) has no voodu installed/);

  const closed = await freePort();
  const noCtl = await cli(['-r', 'box', '--controller-url', `http://127.0.0.1:${closed}`, 'apply', '-f', manifest, '-y']);
  t.is(noCtl.code, 1);
  t.regex(noCtl.stderr, new RegExp(`voodu is installed on box .* but no controller answers there: controller at http://127\\.0\\.0\\.1:${closed} is unreachable`));
  t.is(await stored('asset', `${PREFIX}-pre`, 'c'), undefined);
});

test.serial('an unreachable remote fails within the connect timeout with a message naming the host and the fix', async (t) => {
  const closed = await freePort();
  t.is((await cli(['remote', 'add', 'dead', `root@127.0.0.1:${closed}`])).code, 0);
  let started = Date.now();
  const refused = await cli(['-r', 'dead', 'get']);
  t.is(refused.code, 1);
  t.regex(refused.stderr, new RegExp(`ssh to remote dead \\(root@127\\.0\\.0\\.1:${closed}\\) failed: .*Connection refused.*ssh -p ${closed} root@127\\.0\\.0\\.1`));
  t.true(Date.now() - started < 5000, `took ${Date.now() - started} ms`);

  // A port that accepts but never speaks SSH: only ConnectTimeout ends it.
  const silent: Server = createServer(() => undefined);
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const port = (silent.address() as { port: number }).port;
  try {
    t.is((await cli(['remote', 'add', 'mute', `root@127.0.0.1:${port}`])).code, 0);
    started = Date.now();
    const mute = await cli(['-r', 'mute', 'get'], { VOODU_SSH_CONNECT_TIMEOUT: '2' });
    const took = Date.now() - started;
    t.is(mute.code, 1);
    t.regex(mute.stderr, /ssh to remote mute .* failed: no answer within 2 s \(VOODU_SSH_CONNECT_TIMEOUT\)/);
    t.true(took >= 1500 && took < 8000, `took ${took} ms`);
    t.log(`connect-timeout failure after ${took} ms (timeout 2 s)`);
  } finally {
    silent.close();
  }
});
