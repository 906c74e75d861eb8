/**
 * Release commands end to end: a
 * controller with the deployment and release modules against a real etcd
 * and the real Docker engine. The release commands append to a file in a
 * host temp dir mounted into their containers, so the test reads what ran
 * and in which order. pre/command/post run in order and the replicas roll
 * onto the release; a new spec waits for its release; a failing command
 * stops the release and leaves the replicas alone; a second run of a spec
 * is skipped and `force` re-runs it; a timeout kills the command; refusals
 * are JSON errors; `voodu release run` and `voodu apply` exit with the
 * release's outcome. Each test has its own scope; containers are removed
 * by scope afterwards.
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keys } from '../../lib/identity.js';
import { followReleaseStream, wantsRelease } from '../../cli/release-stream.js';
import type { WorkloadStatus } from '../../modules/workload/contract.js';
import { apiFetch, callApi } from '../helpers/http.js';
import { bootModules, type ModuleController } from '../helpers/controller.js';
import { TEST_IMAGE, dockerClient, removeScopes, requireDocker } from '../helpers/docker.js';
import { startEtcd, type TestEtcd } from '../helpers/etcd.js';
import { waitFor } from '../helpers/wait.js';
import { runCli } from '../helpers/cli.js';

const docker = dockerClient();
const prefix = `rl${randomBytes(2).toString('hex')}`;
const MODULES = ['paths', 'store', 'runtime', 'api', 'config', 'assets', 'reconciler', 'apply', 'workload', 'deployment', 'release'];
const SLEEPER = 'trap "exit 0" TERM; while true; do sleep 1000 & wait; done';

let etcd: TestEtcd;
let ctl: ModuleController;
let shared: string;

test.before(async () => {
  await requireDocker(docker);
  etcd = await startEtcd();
  shared = await mkdtemp(join(tmpdir(), 'voodu-release-test-'));
  ctl = await bootModules(etcd.endpoint, MODULES, { deployment: { readyTimeoutMs: 10_000 }, workload: { readinessGraceMs: 1000 }, release: { pollMs: 200 } });
});

test.after.always(async () => {
  await ctl?.stop();
  await etcd?.stop();
  await removeScopes(prefix, docker);
  if (shared) await rm(shared, { recursive: true, force: true });
});

let scopes = 0;
const newScope = () => `${prefix}s${++scopes}`;
const sh = (script: string) => ['sh', '-c', script];

/** A deployment whose release commands append to `<shared>/<scope>.log` (mounted at /shared). */
function deployment(scope: string, name: string, opts: { replicas?: number; tag?: string; release: Record<string, unknown> }) {
  return {
    kind: 'deployment',
    scope,
    name,
    spec: {
      image: TEST_IMAGE,
      command: sh(`${SLEEPER} # ${opts.tag ?? 'v1'}`),
      replicas: opts.replicas ?? 1,
      env: { TAG: opts.tag ?? 'v1' },
      volumes: [`${shared}:/shared`],
      release: opts.release,
    },
  };
}
const logOf = (scope: string) => `/shared/${scope}.log`;
const readLog = async (scope: string) => (await readFile(join(shared, `${scope}.log`), 'utf8').catch(() => '')).split('\n').filter(Boolean);

async function call(method: string, path: string, body?: unknown) {
  const res = await apiFetch(ctl, path, {
    method,
    ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

async function apply(...manifests: unknown[]) {
  const res = await call('POST', '/apply', manifests);
  if (res.status !== 200) throw new Error(`apply: ${res.status} ${res.text}`);
  // Level-triggered: a reconcile of our own sees the stored manifest whether or not the watch's came first.
  for (const m of manifests as { kind: string; scope: string; name: string }[]) {
    await ctl.kernel.services.get('reconciler', 'test').reconcileNow({ kind: m.kind, scope: m.scope, name: m.name });
  }
}

const runRelease = (scope: string, name: string, force = false) => call('POST', `/releases/run?scope=${scope}&name=${name}${force ? '&force=true' : ''}`);
const banners = (text: string) => text.split('\n').filter((l) => l.startsWith('-----> '));

async function status(scope: string, name: string): Promise<WorkloadStatus> {
  return (await ctl.kernel.services.get('store', 'test').getJSON<WorkloadStatus>(keys.status('deployment', scope, name))) ?? {};
}

async function containers(scope: string, name: string, role: string) {
  const list = await docker.listContainers({ all: true, filters: { label: [`voodu.scope=${scope}`, `voodu.name=${name}`, `voodu.role=${role}`] } });
  return list.map((c) => ({ id: c.Id, name: c.Names[0]!.replace(/^\//, ''), hash: c.Labels['voodu.manifest_hash']!, release: c.Labels['voodu.release_id']!, state: c.State }));
}
const replicas = (scope: string, name: string) => containers(scope, name, 'deployment');

async function cli(...args: string[]) {
  return runCli(args, { target: ctl });
}

test.serial('pre_command, command and post_command run in order; the replicas roll onto the release in between', async (t) => {
  const scope = newScope();
  const log = logOf(scope);
  await apply(
    deployment(scope, 'web', {
      replicas: 2,
      release: {
        pre_command: sh(`echo pre-$TAG >> ${log}; echo hello from pre`),
        command: sh(`echo cmd-$TAG >> ${log}; echo hello from command >&2`),
        post_command: sh(`echo post-$TAG >> ${log}`),
      },
    }),
  );
  // A first apply creates the replicas from the manifest, but they wait for the release.
  const first = await replicas(scope, 'web');
  t.is(first.length, 2);
  t.true(first.every((r) => !r.release), 'created before any release ran');
  const pending = (await status(scope, 'web'))['release_pending'] as { spec_hash: string; message: string } | undefined;
  t.is(pending?.spec_hash, first[0]!.hash.slice(0, 8));
  t.regex(pending?.message ?? '', /voodu release run .*\/web/);

  const res = await runRelease(scope, 'web');
  t.is(res.status, 200, res.text);
  t.regex(res.headers.get('content-type') ?? '', /^text\/plain/);
  t.is(res.headers.get('x-voodu-scope'), scope);
  t.is(res.headers.get('x-voodu-name'), 'web');
  const st = await status(scope, 'web');
  const rec = st.releases![0]!;
  const id = rec.id;
  t.deepEqual(banners(res.text).map((b) => b.replace(/ in [\d.]+s$/, '')), [
    `-----> Release ${id}: pre_command`,
    `-----> Release ${id}: command`,
    `-----> Release ${id}: rolling restart of 2 replica(s)`,
    `-----> Release ${id}: post_command`,
    `-----> Release ${id} succeeded`,
  ]);
  // Container output is streamed, indented, between its banners.
  const lines = res.text.split('\n');
  const at = (s: string) => lines.findIndex((l) => l === s);
  t.true(at('       hello from pre') > at(`-----> Release ${id}: pre_command`) && at('       hello from pre') < at(`-----> Release ${id}: command`), res.text);
  t.true(at('       hello from command') > at(`-----> Release ${id}: command`), res.text);

  t.deepEqual(await readLog(scope), ['pre-v1', 'cmd-v1', 'post-v1'], 'in order, with the env file');
  t.is(rec.status, 'succeeded');
  t.is(rec.pre_exit_code, 0);
  t.is(rec.exit_code, 0);
  t.is(rec.post_exit_code, 0);
  t.truthy(rec.image_id);
  t.is(rec.phase, undefined);
  t.is(st['release_pending'], undefined);

  const now = await replicas(scope, 'web');
  t.is(now.length, 2);
  t.true(now.every((r) => r.release === id && r.hash === rec.spec_hash && r.state === 'running'), JSON.stringify(now));
  t.false(now.some((r) => first.some((f) => f.id === r.id)), 'every replica was replaced');
  t.deepEqual(await containers(scope, 'web', 'release'), [], 'release containers are removed');
});

test.serial('a new spec waits for its release; a failing command stops it and leaves the replicas alone', async (t) => {
  const scope = newScope();
  const log = logOf(scope);
  await apply(deployment(scope, 'api', { release: { command: sh(`echo ok-$TAG >> ${log}`) } }));
  t.regex(banners((await runRelease(scope, 'api')).text).at(-1)!, /succeeded/);
  const good = await replicas(scope, 'api');
  const goodId = (await status(scope, 'api')).releases![0]!.id;
  t.is(good.length, 1);
  t.is(good[0]!.release, goodId);

  // v2 changes the spec hash: the reconcile must not roll onto it before its release.
  await apply(deployment(scope, 'api', { tag: 'v2', release: { command: sh(`echo failing-$TAG; echo fail-$TAG >> ${log}; exit 3`) } }));
  t.deepEqual(await replicas(scope, 'api'), good, 'held: same container, old hash, old release');
  const held = (await status(scope, 'api'))['release_pending'] as { spec_hash: string } | undefined;
  t.truthy(held);
  t.not(held!.spec_hash, good[0]!.hash.slice(0, 8));

  const res = await runRelease(scope, 'api');
  t.is(res.status, 200);
  const st = await status(scope, 'api');
  const rec = st.releases![0]!;
  t.not(rec.id, goodId);
  t.is(banners(res.text).at(-1), `-----> Release ${rec.id} failed in command (exit 3)`);
  t.true(res.text.includes('       failing-v2'), res.text);
  t.is(rec.status, 'failed');
  t.is(rec.exit_code, 3);
  t.regex(rec.error ?? '', /command failed: exit 3/);
  t.deepEqual(await readLog(scope), ['ok-v1', 'fail-v2']);
  t.deepEqual(await replicas(scope, 'api'), good, 'replicas untouched: same container ids, old hash');
  t.deepEqual(await containers(scope, 'api', 'release'), []);

  // The CLI's exit code is the release's: failing still, then fixed.
  const failed = await cli('release', `${scope}/api`, 'run');
  t.is(failed.code, 1, failed.stdout + failed.stderr);
  t.regex(failed.stdout, /failed in command \(exit 3\)/);
  await apply(deployment(scope, 'api', { tag: 'v3', release: { command: sh(`echo ok-$TAG >> ${log}`) } }));
  const fixed = await cli('release', `${scope}/api`, 'run');
  t.is(fixed.code, 0, fixed.stdout + fixed.stderr);
  t.regex(fixed.stdout, /-----> Release \S+ succeeded/);
  const after = await replicas(scope, 'api');
  const last = (await status(scope, 'api')).releases![0]!;
  t.is(after.length, 1);
  t.is(after[0]!.release, last.id);
  t.is(after[0]!.hash, last.spec_hash);
  t.not(after[0]!.id, good[0]!.id);

  const history = await cli('release', `${scope}/api`, 'history');
  t.is(history.code, 0);
  t.regex(history.stdout, /^RELEASE\s+STATUS\s+HASH\s+IMAGE\s+STARTED\s+DURATION\s+ROLLED_BACK_FROM/);
  t.regex(history.stdout, new RegExp(`${last.id}\\s+succeeded\\s+${last.spec_hash.slice(0, 8)}`));
  t.regex(history.stdout, new RegExp(`${rec.id}\\s+failed`));
  const json = await cli('releases', `${scope}/api`, 'history', '-o', 'json');
  t.deepEqual((JSON.parse(json.stdout) as { id: string }[]).map((r) => r.id), (await status(scope, 'api')).releases!.map((r) => r.id));

  // A rollback is its own intent: it rolls back to v1 without running any command, and v1 is not pending.
  const logBefore = await readLog(scope);
  const rb = await call('POST', `/rollback?scope=${scope}&name=api`);
  t.is(rb.status, 200, rb.text);
  const newRelease = (JSON.parse(rb.text) as { data: { rolled_back_to: string; new_release: string } }).data;
  t.is(newRelease.rolled_back_to, goodId);
  const back = await replicas(scope, 'api');
  t.is(back.length, 1);
  t.is(back[0]!.hash, good[0]!.hash);
  t.is(back[0]!.release, newRelease.new_release);
  t.is((await status(scope, 'api'))['release_pending'], undefined);
  t.deepEqual(await readLog(scope), logBefore);
});

test.serial('a second run of a released spec is skipped; force runs it again', async (t) => {
  const scope = newScope();
  const log = logOf(scope);
  await apply(deployment(scope, 'jobs', { release: { command: sh(`echo run >> ${log}`) } }));
  const first = await runRelease(scope, 'jobs');
  t.regex(banners(first.text).at(-1)!, /succeeded/);
  const rec = (await status(scope, 'jobs')).releases![0]!;
  const before = await replicas(scope, 'jobs');

  const again = await runRelease(scope, 'jobs');
  t.is(again.status, 200);
  t.deepEqual(banners(again.text), [`-----> Release skipped: spec ${rec.spec_hash.slice(0, 8)} already released as ${rec.id} (--force runs it again)`]);
  t.deepEqual(await readLog(scope), ['run'], 'the command did not run again');
  t.is((await status(scope, 'jobs')).releases!.length, 1, 'no record for a skipped run');
  t.deepEqual(await replicas(scope, 'jobs'), before);
  const cliSkip = await cli('release', `${scope}/jobs`, 'run');
  t.is(cliSkip.code, 0, 'a skipped release is not a failure');

  const forced = await cli('release', `${scope}/jobs`, 'run', '--force');
  t.is(forced.code, 0, forced.stdout + forced.stderr);
  const newest = (await status(scope, 'jobs')).releases![0]!;
  t.not(newest.id, rec.id);
  t.is(newest.status, 'succeeded');
  t.is(newest.spec_hash, rec.spec_hash);
  t.deepEqual(await readLog(scope), ['run', 'run']);
  const now = await replicas(scope, 'jobs');
  t.is(now.length, 1);
  t.is(now[0]!.release, newest.id, 'rolled onto the forced release');
});

test.serial('a command that outlives its timeout is killed and the release fails', async (t) => {
  const scope = newScope();
  await apply(deployment(scope, 'slow', { release: { timeout: '1s', pre_command: sh('echo started; sleep 60') } }));
  const before = await replicas(scope, 'slow');
  const began = Date.now();
  const res = await runRelease(scope, 'slow');
  t.true(Date.now() - began < 30_000, 'killed at the timeout, not after the command');
  const rec = (await status(scope, 'slow')).releases![0]!;
  t.regex(banners(res.text).at(-1)!, new RegExp(`^-----> Release ${rec.id} failed in pre_command \\(timed out after 1s; killed\\)$`));
  t.is(rec.status, 'failed');
  t.is(rec.pre_exit_code, -1);
  t.deepEqual(await containers(scope, 'slow', 'release'), []);
  t.deepEqual(await replicas(scope, 'slow'), before);
});

test.serial('refusals are JSON errors before anything streams: bad query, unknown, no release block, busy', async (t) => {
  const scope = newScope();
  const noName = await call('POST', '/releases/run');
  t.is(noName.status, 400);
  t.regex(JSON.parse(noName.text).error, /query\.name/);
  const badForce = await call('POST', `/releases/run?scope=${scope}&name=x&force=maybe`);
  t.is(badForce.status, 400);
  const unknown = await runRelease(scope, 'nope');
  t.is(unknown.status, 404);
  t.regex(JSON.parse(unknown.text).error, /not found/);

  await apply({ kind: 'deployment', scope, name: 'plain', spec: { image: TEST_IMAGE, command: sh(SLEEPER) } });
  const plain = await runRelease(scope, 'plain');
  t.is(plain.status, 400);
  t.regex(JSON.parse(plain.text).error, /no release command/);
  const cliPlain = await cli('release', `${scope}/plain`, 'run');
  t.is(cliPlain.code, 1);
  t.regex(cliPlain.stderr, /no release command/);

  await apply(deployment(scope, 'busy', { release: { command: sh('sleep 3') } }));
  const firstRun = runRelease(scope, 'busy');
  await waitFor('the first release to start', async () => (await status(scope, 'busy')).releases?.[0]?.status === 'running');
  const second = await runRelease(scope, 'busy');
  t.is(second.status, 409);
  t.is(JSON.parse(second.text).error, `release already in progress for deployment/${scope}-busy`);
  t.regex(banners((await firstRun).text).at(-1)!, /succeeded/);
});

test.serial('voodu apply runs the release of a deployment with release commands and exits with its outcome', async (t) => {
  const scope = newScope();
  const log = logOf(scope);
  const file = join(shared, `${scope}.hcl`);
  const hcl = (tag: string, release: string) => `
deployment "${scope}" "app" {
  image   = "${TEST_IMAGE}"
  command = ["sh", "-c", "${SLEEPER.replace(/"/g, '\\"')} # ${tag}"]
  volumes = ["${shared}:/shared"]

  release {
${release}
  }
}
`;
  await writeFile(file, hcl('v1', `    pre_command = ["sh", "-c", "echo pre >> ${log}"]
    command     = ["sh", "-c", "echo migrate >> ${log}"]`));
  const ok = await cli('apply', '-f', file);
  t.is(ok.code, 0, ok.stdout + ok.stderr);
  t.regex(ok.stdout, new RegExp(`deployment/${scope}/app applied`));
  t.regex(ok.stdout, /-----> Release \S+: pre_command[\s\S]*-----> Release \S+ succeeded/);
  t.deepEqual(await readLog(scope), ['pre', 'migrate']);
  const rec = (await status(scope, 'app')).releases![0]!;
  await waitFor('the replica on the release', async () => (await replicas(scope, 'app')).some((r) => r.release === rec.id && r.state === 'running'));

  await writeFile(file, hcl('v2', '    command = ["sh", "-c", "exit 4"]'));
  const bad = await cli('apply', '-f', file);
  t.is(bad.code, 1, bad.stdout + bad.stderr);
  t.regex(bad.stdout, /failed in command \(exit 4\)/);
  t.true((await replicas(scope, 'app')).every((r) => r.release === rec.id), 'the failed release rolled nothing');
});

test('the stream protocol: the last banner decides, indented container output can never forge one', async (t) => {
  const feed = async (...chunks: string[]) => {
    let copied = '';
    const res = await followReleaseStream(
      (async function* () {
        for (const c of chunks) yield new TextEncoder().encode(c);
      })(),
      (text) => (copied += text),
    );
    return { ...res, copied };
  };
  const ok = await feed('-----> Release a1: command\n       -----> Release a1 fail', 'ed in command (exit 1)\n-----> Release a1 succ', 'eeded in 1.0s\n');
  t.true(ok.ok);
  t.is(ok.copied, '-----> Release a1: command\n       -----> Release a1 failed in command (exit 1)\n-----> Release a1 succeeded in 1.0s\n');
  t.true((await feed('-----> Release skipped: spec 12345678 already released as a1\n')).ok);
  t.false((await feed('-----> Release a1: command\n-----> Release a1 failed in command (exit 3)\n')).ok);
  t.false((await feed('-----> Release failed: boom')).ok, 'a last line without newline still counts');
  t.false((await feed('-----> Release a1: command\n       still running\n')).ok, 'a stream cut short is not a success');
  t.true(wantsRelease({ kind: 'deployment', spec: { release: { post_command: ['x'] } } }));
  t.false(wantsRelease({ kind: 'deployment', spec: { release: { timeout: '1m' } } }));
  t.false(wantsRelease({ kind: 'job', spec: { release: { command: ['x'] } } }));
});


test.serial('a release container a killed controller left behind is removed when a controller starts', async (t) => {
  t.timeout(60_000);
  const scope = newScope();
  const applied = await callApi(ctl, 'POST', '/apply', [{ kind: 'deployment', scope, name: 'web', spec: { image: TEST_IMAGE, replicas: 1, command: sh('trap "exit 0" TERM; while true; do sleep 1 & wait; done') } }]);
  t.is(applied.status, 200, applied.body.error);
  // What a controller killed mid-release leaves: the phase's container, still running, nobody waiting on it.
  const leftover = await docker.createContainer({
    name: `${scope}-web.deadbeef-pre`,
    Image: TEST_IMAGE,
    Cmd: ['sleep', '3600'],
    Labels: { createdby: 'voodu', 'voodu.scope': scope, 'voodu.name': 'web', 'voodu.kind': 'deployment', 'voodu.role': 'release' },
  });
  await leftover.start();
  const next = await bootModules(etcd.endpoint, MODULES, { release: { pollMs: 200 } });
  try {
    const gone = await waitFor('the leftover removed', async () => {
      try {
        await leftover.inspect();
        return false;
      } catch {
        return true;
      }
    }, { timeoutMs: 20_000 });
    t.true(gone);
    t.regex(next.logs.join('\n'), /removed a release container a stopped controller left behind/);
  } finally {
    await next.stop();
    await leftover.remove({ force: true }).catch(() => undefined);
  }
});
