/**
 * Deployments end to end: a controller (the core modules that matter, in
 * process) against a real etcd and the real Docker engine. Replicas, their
 * names, labels, aliases and env; scaling; rollouts on config, image and
 * spec changes, with no failed request while they run; a rollout stopped by
 * a replica that never gets ready; rollback; freezes; repair; a controller
 * restart mid-rollout. Tests share one controller and run serially, each in
 * its own scope; containers the controller makes are removed by their
 * scope label afterwards, containers the tests make carry the run label.
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type Docker from 'dockerode';
import { keys, type ResourceRef } from '../../lib/identity.js';
import type { WorkloadStatus } from '../../modules/workload/contract.js';
import { bootModules, type ModuleController } from '../helpers/controller.js';
import { TEST_IMAGE, cleanupDocker, dockerClient, removeScopes, requireDocker, testRunLabel } from '../helpers/docker.js';
import { startEtcd, type TestEtcd } from '../helpers/etcd.js';
import { waitFor } from '../helpers/wait.js';
import { callApi } from '../helpers/http.js';
import { runCli } from '../helpers/cli.js';

const docker = dockerClient();
const run = testRunLabel();
/** Every scope of this file starts with it, so cleanup finds what the controllers made. */
const prefix = `dp${randomBytes(2).toString('hex')}`;
const extraTags: string[] = [];


const MODULES = ['paths', 'store', 'runtime', 'api', 'config', 'assets', 'reconciler', 'apply', 'probes', 'workload', 'deployment', 'pods'];

const boot = (etcdEndpoint: string, graceMs = 1500) => bootModules(etcdEndpoint, MODULES, { workload: { readinessGraceMs: graceMs, initRetryPauseMs: 200 } });

let etcd: TestEtcd;
let ctl: ModuleController;

test.before(async () => {
  await requireDocker(docker);
  etcd = await startEtcd();
  ctl = await boot(etcd.endpoint);
});

test.after.always(async () => {
  await ctl?.stop();
  await etcd?.stop();
  await removeScopes(prefix, docker);
  await cleanupDocker(run.filter, docker);
  for (const tag of extraTags) await docker.getImage(tag).remove({ noprune: true }).catch(() => undefined);
});


// ---------------------------------------------------------------- helpers

let scopes = 0;
const newScope = () => `${prefix}s${++scopes}`;
const SLEEPER = ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1000 & wait; done'];
/**
 * A web server that shuts down like a well-behaved app: on SIGTERM it stops accepting (new connects are
 * refused, so clients move on to another replica) and lets requests in flight finish before it exits.
 * One that dies mid-response on SIGTERM would cut a request now and then, whatever the orchestrator does.
 */
const WEB = ['sh', '-c', 'echo ok > /tmp/index.html; httpd -f -p 8080 -h /tmp & pid=$!; trap "kill $pid; sleep 0.5; exit 0" TERM; wait'];
/**
 * Like a client built on a standard dialer (Go, curl, Python): try each address until one connects,
 * then send the request there. Refused and timed-out connects move on to the next address (a retired
 * replica's address can outlive its interface for a moment); a connection that is accepted and then
 * cut (empty answer) is a failed request.
 */
const dialAll = (host: string, onOk: string, onFail: string) =>
  `ips=$(nslookup ${host} 127.0.0.11 | awk '/^Address: / && !/:53$/ {print $2}'); ok=; tries=0; ` +
  `for ip in $ips; do tries=$((tries+1)); out=$(printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 $ip 8080 2>&1); ` +
  `case "$out" in *"can't connect"*|"nc: timed out") continue;; esac; echo "$out" | grep -q '^ok' && ok=1; break; done; ` +
  `if [ -n "$ok" ]; then ${onOk}; else ${onFail}; fi`;

const dep = (scope: string, name: string, spec: Record<string, unknown> = {}) => ({
  kind: 'deployment',
  scope,
  name,
  spec: { image: TEST_IMAGE, command: SLEEPER, ...spec },
});

const call = (c: ModuleController, method: string, path: string, body?: unknown) => callApi(c, method, path, body);

async function apply(c: ModuleController, ...manifests: unknown[]) {
  const res = await call(c, 'POST', '/apply', manifests);
  if (res.status !== 200) throw new Error(`apply: ${res.status} ${res.body.error}`);
  return res.body.data;
}

const refOf = (scope: string, name: string): ResourceRef => ({ kind: 'deployment', scope, name });
/** One reconcile that starts after this call, waited for; its error is thrown. */
const settle = (c: ModuleController, scope: string, name: string) => c.kernel.services.get('reconciler', 'test').reconcileNow(refOf(scope, name));

async function replicas(scope: string, name: string): Promise<Docker.ContainerInfo[]> {
  const list = await docker.listContainers({ all: true, filters: { label: [`voodu.scope=${scope}`, `voodu.name=${name}`, 'voodu.role=deployment'] } });
  return list.sort((a, b) => a.Names[0]!.localeCompare(b.Names[0]!));
}

async function identityContainers(scope: string, name: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [`voodu.scope=${scope}`, `voodu.name=${name}`] } });
}

const ids = (list: Docker.ContainerInfo[]) => list.map((c) => c.Id).sort();

function envOf(info: Docker.ContainerInspectInfo): Record<string, string> {
  return Object.fromEntries((info.Config.Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
}

async function status(c: ModuleController, scope: string, name: string): Promise<WorkloadStatus> {
  return (await c.kernel.services.get('store', 'test').getJSON<WorkloadStatus>(keys.status('deployment', scope, name))) ?? {};
}


/** A throwaway busybox on voodu0 carrying the run label; resolves with its output once it exits. */
async function oneShot(script: string): Promise<string> {
  const c = await docker.createContainer({
    Image: TEST_IMAGE,
    Cmd: ['sh', '-c', script],
    Labels: run.labels,
    HostConfig: { NetworkMode: 'voodu0' },
  });
  await c.start();
  await c.wait();
  const out = demux(await c.logs({ stdout: true, stderr: true }));
  await c.remove({ force: true });
  return out;
}

/** A non-TTY container's log comes in frames: an 8-byte header (stream, size) before each chunk. */
function demux(buf: Buffer): string {
  let out = '';
  for (let i = 0; i + 8 <= buf.length; ) {
    const size = buf.readUInt32BE(i + 4);
    out += buf.subarray(i + 8, i + 8 + size).toString('utf8');
    i += 8 + size;
  }
  return out;
}

async function cli(c: ModuleController, ...args: string[]) {
  return runCli(args, { target: c });
}

// ---------------------------------------------------------------- tests

test.serial('replicas come up with their names, labels, aliases and env; config set wins over manifest env', async (t) => {
  const scope = newScope();
  const cfg = await call(ctl, 'POST', `/config?scope=${scope}&name=api&restart=false`, { GREETING: 'from-config' });
  t.is(cfg.status, 200, cfg.body.error);
  await apply(ctl, dep(scope, 'api', { replicas: 3, env: { GREETING: 'from-manifest', ONLY_MANIFEST: 'm' } }));
  await settle(ctl, scope, 'api');

  const list = await replicas(scope, 'api');
  t.is(list.length, 3);
  const st = await status(ctl, scope, 'api');
  t.is(st.replicas, 3);
  t.is(st.image, TEST_IMAGE);
  t.regex(st.spec_hash ?? '', /^[0-9a-f]{64}$/);
  t.is(st.releases?.length, 1);
  t.is(st.releases?.[0]?.status, 'succeeded');
  t.is(st.last_reconcile_error, '');

  for (const c of list) {
    const info = await docker.getContainer(c.Id).inspect();
    const name = info.Name.slice(1);
    const id = info.Config.Labels['voodu.replica_id']!;
    t.regex(name, new RegExp(`^${scope}-api\\.[0-9a-f]{4}$`));
    t.is(name, `${scope}-api.${id}`);
    const l = info.Config.Labels;
    t.like(l, { createdby: 'voodu', 'voodu.kind': 'deployment', 'voodu.scope': scope, 'voodu.name': 'api', 'voodu.role': 'deployment' });
    t.is(l['voodu.manifest_hash'], st.spec_hash);
    t.is(l['voodu.release_id'], st.releases?.[0]?.id);
    t.regex(l['voodu.created_at'] ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    t.deepEqual(info.HostConfig.RestartPolicy?.Name, 'unless-stopped');
    const aliases = info.NetworkSettings.Networks['voodu0']?.Aliases ?? [];
    t.true(aliases.includes(`api.${scope}`) && aliases.includes(`api.${scope}.voodu`), aliases.join(','));
    const env = envOf(info);
    t.like(env, { VOODU_SCOPE: scope, VOODU_NAME: 'api', VOODU_REPLICA_ID: id, GREETING: 'from-config', ONLY_MANIFEST: 'm' });
    const ulimits = Object.fromEntries((info.HostConfig.Ulimits ?? []).map((u) => [u.Name, u.Soft]));
    t.is(ulimits.nproc, 4096);
    t.true(ulimits.nofile! > 1024 && ulimits.nofile! <= 65536, 'nofile: the default, clamped to the host');
    t.deepEqual(info.HostConfig.LogConfig?.Config, { 'max-size': '10m', 'max-file': '3' });
  }
  // The manifest env is in the file only, never a `-e` that would override config.
  t.false(ctl.logs.some((line) => line.includes('from-config')), 'a config value reached the log');
});

test.serial('the shared alias resolves to every replica from another container', async (t) => {
  const scope = newScope();
  await apply(ctl, dep(scope, 'api', { replicas: 3 }));
  await settle(ctl, scope, 'api');
  const ips = await Promise.all((await replicas(scope, 'api')).map(async (c) => (await docker.getContainer(c.Id).inspect()).NetworkSettings.Networks['voodu0']!.IPAddress));
  t.is(new Set(ips).size, 3);
  for (const alias of [`api.${scope}`, `api.${scope}.voodu`]) {
    const out = await oneShot(`nslookup ${alias} 127.0.0.11`);
    const answered = [...out.matchAll(/^Address: (\S+)$/gm)].map((m) => m[1]);
    t.deepEqual(answered.sort(), [...ips].sort(), `${alias}:\n${out}`);
  }
});

test.serial('scale 3 → 1 → 2 keeps the newest and adds fresh replicas', async (t) => {
  const scope = newScope();
  await apply(ctl, dep(scope, 'api', { replicas: 3 }));
  await settle(ctl, scope, 'api');
  const three = await replicas(scope, 'api');
  const newest = [...three].sort((a, b) => b.Created - a.Created || b.Names[0]!.localeCompare(a.Names[0]!))[0]!;

  await apply(ctl, dep(scope, 'api', { replicas: 1 }));
  await settle(ctl, scope, 'api');
  const one = await replicas(scope, 'api');
  t.is(one.length, 1);
  t.true(three.some((c) => c.Id === one[0]!.Id), 'the survivor is one of the three');
  if (three.every((c) => c.Created !== newest.Created || c.Id === newest.Id)) t.is(one[0]!.Id, newest.Id);

  await apply(ctl, dep(scope, 'api', { replicas: 2 }));
  await settle(ctl, scope, 'api');
  const two = await replicas(scope, 'api');
  t.is(two.length, 2);
  t.true(two.some((c) => c.Id === one[0]!.Id), 'scaling up does not touch the survivor');
  t.true(two.every((c) => c.State === 'running'));
  const st = await status(ctl, scope, 'api');
  t.is(st.replicas, 2);
  t.is(st.releases?.length, 3, 'each count change is a release');
});

test.serial('config set rolls every replica; the new value is in their env', async (t) => {
  const scope = newScope();
  await apply(ctl, dep(scope, 'api', { replicas: 3 }));
  await settle(ctl, scope, 'api');
  const before = ids(await replicas(scope, 'api'));
  const res = await call(ctl, 'POST', `/config?scope=${scope}&name=api`, { DATABASE_URL: 'postgres://db/v2' });
  t.is(res.status, 200, res.body.error);
  t.deepEqual(res.body.data.restarted, [`deployment/${scope}/api`]);
  await settle(ctl, scope, 'api');
  const after = await replicas(scope, 'api');
  t.is(after.length, 3);
  t.deepEqual(ids(after).filter((id) => before.includes(id)), [], 'every replica was replaced');
  for (const c of after) t.is(envOf(await docker.getContainer(c.Id).inspect()).DATABASE_URL, 'postgres://db/v2');
  t.true(ctl.logs.some((l) => new RegExp(`${scope}-api: rolling 3/3: ${scope}-api\\.[0-9a-f]{4} ready`).test(l)), 'progress is logged');
  t.false(ctl.logs.some((l) => l.includes('postgres://db/v2')), 'a config value reached the log');
});

/** Several reconciles of the kinds a quiet deployment sees (a manual one, a periodic resync), each waited for. */
async function reconcileAgain(c: ModuleController, scope: string, name: string) {
  const reconciler = c.kernel.services.get('reconciler', 'test');
  await reconciler.reconcileNow(refOf(scope, name));
  reconciler.enqueue(refOf(scope, name), 'resync');
  await reconciler.idle();
  await reconciler.reconcileNow(refOf(scope, name));
}

async function envFileOf(c: ModuleController, scope: string, name: string): Promise<string> {
  return readFile(c.kernel.services.get('paths', 'test').envFile(`${scope}-${name}`), 'utf8');
}

const envValues = async (list: Docker.ContainerInfo[], key: string) =>
  Promise.all(list.map(async (c) => envOf(await docker.getContainer(c.Id).inspect())[key]));

test.serial('a no-restart config change leaves running replicas alone over later reconciles; the next restarting change rolls them', async (t) => {
  const scope = newScope();
  await apply(ctl, dep(scope, 'api', { replicas: 2, env: { K: 'v1' } }));
  await settle(ctl, scope, 'api');
  const before = await replicas(scope, 'api');

  const quiet = await call(ctl, 'POST', `/config?scope=${scope}&name=api&restart=false`, { K: 'v2' });
  t.is(quiet.status, 200, quiet.body.error);
  t.deepEqual(quiet.body.data.restarted, []);
  await reconcileAgain(ctl, scope, 'api');
  t.deepEqual(ids(await replicas(scope, 'api')), ids(before), 'no replica was rolled');
  t.regex(await envFileOf(ctl, scope, 'api'), /^K=v2$/m, 'the env file has the new value for the next replica');
  t.deepEqual(await envValues(before, 'K'), ['v1', 'v1']);
  const st = await status(ctl, scope, 'api');
  t.is(st.env_target?.hash, before[0]!.Labels['voodu.env_hash'], 'the target is still the env the replicas run');
  t.false(ctl.logs.some((l) => l.includes(`${scope}-api: rolling`)), 'nothing was rolled');

  const loud = await call(ctl, 'POST', `/config?scope=${scope}&name=api`, { K: 'v3' });
  t.is(loud.status, 200, loud.body.error);
  t.deepEqual(loud.body.data.restarted, [`deployment/${scope}/api`]);
  await settle(ctl, scope, 'api');
  const after = await replicas(scope, 'api');
  t.is(after.length, 2);
  t.deepEqual(ids(after).filter((id) => ids(before).includes(id)), [], 'every replica was replaced');
  t.deepEqual(await envValues(after, 'K'), ['v3', 'v3']);
  await reconcileAgain(ctl, scope, 'api');
  t.deepEqual(ids(await replicas(scope, 'api')), ids(after), 'and they stay');
});

test.serial('after no-restart changes a scale-up starts the new replica on the new env, rolls nobody, and nothing churns; restart rolls all onto the newest', async (t) => {
  const scope = newScope();
  await apply(ctl, dep(scope, 'api', { replicas: 2, env: { K: 'v1' } }));
  await settle(ctl, scope, 'api');
  const two = await replicas(scope, 'api');

  const set = await cli(ctl, 'config', `${scope}/api`, 'set', 'K=v2', '--no-restart');
  t.is(set.code, 0, set.stderr);
  await settle(ctl, scope, 'api');
  await apply(ctl, dep(scope, 'api', { replicas: 3, env: { K: 'v1' } }));
  await settle(ctl, scope, 'api');
  const three = await replicas(scope, 'api');
  t.is(three.length, 3);
  t.deepEqual(ids(three).filter((id) => ids(two).includes(id)), ids(two), 'the two running replicas were not rolled');
  const added = three.find((c) => !ids(two).includes(c.Id))!;
  t.deepEqual(await envValues([added], 'K'), ['v2'], 'the new replica has the new env');

  // A second no-restart change: neither the old replicas nor the one started under v2 roll.
  t.is((await call(ctl, 'POST', `/config?scope=${scope}&name=api&restart=false`, { K: 'v4' })).status, 200);
  await reconcileAgain(ctl, scope, 'api');
  t.deepEqual(ids(await replicas(scope, 'api')), ids(three), 'nothing churns over later reconciles');

  const res = await call(ctl, 'POST', `/restart?scope=${scope}&name=api`);
  t.is(res.status, 200, res.body.error);
  const restarted = await replicas(scope, 'api');
  t.is(restarted.length, 3);
  t.deepEqual(ids(restarted).filter((id) => ids(three).includes(id)), [], 'restart replaced every replica');
  t.deepEqual(await envValues(restarted, 'K'), ['v4', 'v4', 'v4']);
  await reconcileAgain(ctl, scope, 'api');
  t.deepEqual(ids(await replicas(scope, 'api')), ids(restarted));
});

test.serial('an image change rolls, and so does a new image under the same tag', async (t) => {
  const scope = newScope();
  const tag = `voodu-test/busybox:${prefix}`;
  extraTags.push(tag);
  const [repo, version] = tag.split(':') as [string, string];
  await docker.getImage(TEST_IMAGE).tag({ repo, tag: version });

  await apply(ctl, dep(scope, 'api', { replicas: 2 }));
  await settle(ctl, scope, 'api');
  const first = ids(await replicas(scope, 'api'));

  await apply(ctl, dep(scope, 'api', { replicas: 2, image: tag }));
  await settle(ctl, scope, 'api');
  const second = await replicas(scope, 'api');
  t.deepEqual(ids(second).filter((id) => first.includes(id)), []);
  t.true(second.every((c) => c.Image === tag));

  // Same tag, different image: the ID under the tag moves and the replicas follow (image-ID drift).
  const holder = await docker.createContainer({ Image: TEST_IMAGE, Cmd: ['true'], Labels: run.labels });
  const committed = await holder.commit({ repo, tag: version, changes: ['LABEL voodu.test.commit=1'] });
  const newId = (committed as { Id: string }).Id;
  await settle(ctl, scope, 'api');
  const third = await replicas(scope, 'api');
  t.deepEqual(ids(third).filter((id) => ids(second).includes(id)), []);
  t.true(third.every((c) => c.ImageID === newId), 'replicas run the image now under the tag');
  const st = await status(ctl, scope, 'api');
  t.is(st.releases?.length, 3);
});

test.serial('zero downtime: a client polling the shared alias sees no failed request during rollouts', async (t) => {
  const scope = newScope();
  // One replica: a rollout that took the old one down before the new one served would show at once.
  await apply(ctl, dep(scope, 'web', { replicas: 1, command: WEB }));
  await settle(ctl, scope, 'web');
  const client = await docker.createContainer({
    Image: TEST_IMAGE,
    Cmd: ['sh', '-c', `while true; do ${dialAll(`web.${scope}`, 'echo "OK $tries"', 'echo "FAIL $(cut -d" " -f1 /proc/uptime) ips=[$ips] last=[$out]" | tr "\\n" " "; echo')}; sleep 0.05; done`],
    Labels: run.labels,
    HostConfig: { NetworkMode: 'voodu0' },
  });
  await client.start();
  const count = async () => {
    const text = demux(await client.logs({ stdout: true, stderr: true }));
    return {
      ok: (text.match(/^OK/gm) ?? []).length,
      fail: (text.match(/^FAIL/gm) ?? []).length,
      fallback: (text.match(/^OK [2-9]/gm) ?? []).length,
    };
  };
  await waitFor('the client to get answers', async () => (await count()).ok >= 5);
  const before = ids(await replicas(scope, 'web'));

  const restart = await call(ctl, 'POST', `/restart?kind=deployment&scope=${scope}&name=web`);
  t.is(restart.status, 200, restart.body.error);
  t.like(restart.body.data, { kind: 'deployment', scope, name: 'web', replicas: 1, unfroze: [] });
  const mid = ids(await replicas(scope, 'web'));
  t.deepEqual(mid.filter((id) => before.includes(id)), []);
  // A second rollout, from a config change, under the same load.
  await call(ctl, 'POST', `/config?scope=${scope}&name=web`, { MODE: 'two' });
  await settle(ctl, scope, 'web');
  t.deepEqual(ids(await replicas(scope, 'web')).filter((id) => mid.includes(id)), []);
  await new Promise((r) => setTimeout(r, 500));
  const seen = await count();
  await client.stop({ t: 0 });
  t.teardown(() => client.remove({ force: true }).catch(() => undefined));
  t.log(`client during two rollouts of 1 replica: ${seen.ok} ok (${seen.fallback} after a refused address), ${seen.fail} failed`);
  if (seen.fail) {
    const text = demux(await client.logs({ stdout: true, stderr: true }));
    t.log(text.split('\n').filter((l) => l.startsWith('FAIL')).join('\n'));
    t.log(ctl.logs.filter((l) => l.includes(`${scope}-web`)).join('\n'));
  }
  t.true(seen.ok > 20);
  t.is(seen.fail, 0);
});

test.serial('a replica that never gets ready stops the rollout; the old replicas keep serving; rollback returns to them', async (t) => {
  const scope = newScope();
  await apply(ctl, dep(scope, 'web', { replicas: 2, command: WEB }));
  await settle(ctl, scope, 'web');
  const good = ids(await replicas(scope, 'web'));
  const goodHash = (await status(ctl, scope, 'web')).spec_hash;

  await apply(ctl, dep(scope, 'web', { replicas: 2, command: ['sh', '-c', 'exit 3'] }));
  const err = await t.throwsAsync(settle(ctl, scope, 'web'));
  t.regex(err?.message ?? '', /rollout stopped: .* did not become ready/);
  const after = await replicas(scope, 'web');
  t.deepEqual(ids(after), good, 'the old replicas are there, and no new one is left behind');
  t.true(after.every((c) => c.State === 'running'));
  t.regex(await oneShot(`printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 web.${scope} 8080`), /^ok$/m);
  const st = await status(ctl, scope, 'web');
  t.regex(st.last_rollout_error ?? '', /did not become ready/);
  t.regex(st.last_reconcile_error ?? '', /rollout stopped/);
  t.is(st.releases?.[0]?.status, 'failed');

  // Not retried in a loop: the same target stays stopped until something changes.
  await t.throwsAsync(settle(ctl, scope, 'web'), { message: /rollout stopped/ });
  t.deepEqual(ids(await replicas(scope, 'web')), good);

  const rb = await call(ctl, 'POST', `/rollback?kind=deployment&scope=${scope}&name=web`);
  t.is(rb.status, 200, rb.body.error);
  const st2 = await status(ctl, scope, 'web');
  t.is(st2.spec_hash, goodHash);
  t.is(st2.releases?.[0]?.id, rb.body.data.new_release);
  t.is(st2.releases?.[0]?.status, 'succeeded');
  t.is(st2.last_reconcile_error, '');
  t.is(st2.last_rollout_error, '', 'the stopped rollout no longer describes anything');
  t.deepEqual(ids(await replicas(scope, 'web')), good, 'the serving replicas already match the restored spec');
});

test.serial('rollback restores the previous spec and rolls the replicas back to it', async (t) => {
  const scope = newScope();
  await apply(ctl, dep(scope, 'api', { replicas: 2, env: { VERSION: 'one' } }));
  await settle(ctl, scope, 'api');
  const v1 = (await status(ctl, scope, 'api')).releases![0]!;
  await apply(ctl, dep(scope, 'api', { replicas: 2, env: { VERSION: 'two' } }));
  await settle(ctl, scope, 'api');
  const v2 = await replicas(scope, 'api');
  t.is(envOf(await docker.getContainer(v2[0]!.Id).inspect()).VERSION, 'two');

  const rb = await call(ctl, 'POST', `/rollback?scope=${scope}&name=api`);
  t.is(rb.status, 200, rb.body.error);
  t.like(rb.body.data, { scope, name: 'api', kind: 'deployment', rolled_back_to: v1.id });
  const stored = JSON.parse((await etcd.store.get(keys.desired(refOf(scope, 'api'))))!.value);
  t.deepEqual(stored.spec.env, { VERSION: 'one' });
  const back = await replicas(scope, 'api');
  t.is(back.length, 2);
  t.deepEqual(ids(back).filter((id) => ids(v2).includes(id)), []);
  for (const c of back) {
    t.is(envOf(await docker.getContainer(c.Id).inspect()).VERSION, 'one');
    t.is(c.Labels['voodu.manifest_hash'], v1.spec_hash);
    t.is(c.Labels['voodu.release_id'], rb.body.data.new_release);
  }
  const st = await status(ctl, scope, 'api');
  t.like(st.releases![0], { id: rb.body.data.new_release, rolled_back_from: v1.id, status: 'succeeded', spec_hash: v1.spec_hash });

  const bad = await call(ctl, 'POST', `/rollback?scope=${scope}&name=api&release_id=nope123`);
  t.is(bad.status, 404);
});

test.serial('a frozen replica is skipped by the rollout; restart lifts the freeze and rolls it too', async (t) => {
  const scope = newScope();
  await apply(ctl, dep(scope, 'api', { replicas: 2 }));
  await settle(ctl, scope, 'api');
  const [a, b] = await replicas(scope, 'api');
  const frozenId = a!.Labels['voodu.replica_id']!;
  await ctl.kernel.services.get('workload', 'test').frozen.add(refOf(scope, 'api'), frozenId);

  await call(ctl, 'POST', `/config?scope=${scope}&name=api`, { LEVEL: 'debug' });
  await settle(ctl, scope, 'api');
  const after = await replicas(scope, 'api');
  t.true(after.some((c) => c.Id === a!.Id), 'the frozen replica is untouched');
  t.false(after.some((c) => c.Id === b!.Id), 'the other one was rolled');
  t.is(after.length, 2);
  // Level-triggered, yet quiet: the frozen replica's stale config neither rolls nor mints releases again.
  const releases = (await status(ctl, scope, 'api')).releases?.length;
  await settle(ctl, scope, 'api');
  t.deepEqual(ids(await replicas(scope, 'api')), ids(after));
  t.is((await status(ctl, scope, 'api')).releases?.length, releases);

  const res = await call(ctl, 'POST', `/restart?scope=${scope}&name=api`);
  t.is(res.status, 200, res.body.error);
  t.deepEqual(res.body.data.unfroze, [frozenId]);
  const restarted = await replicas(scope, 'api');
  t.deepEqual(ids(restarted).filter((id) => ids(after).includes(id)), []);
  t.deepEqual([...(await ctl.kernel.services.get('workload', 'test').frozen.get(refOf(scope, 'api')))], []);

  const unknown = await call(ctl, 'POST', `/restart?scope=${scope}&name=nothing`);
  t.is(unknown.status, 404);
  const badKind = await call(ctl, 'POST', `/restart?kind=ingress&scope=${scope}&name=api`);
  t.is(badKind.status, 400);
});

test.serial('a replica removed or stopped by hand is replaced', async (t) => {
  const scope = newScope();
  await apply(ctl, dep(scope, 'api', { replicas: 2 }));
  await settle(ctl, scope, 'api');
  const [a, b] = await replicas(scope, 'api');

  const removedAt = performance.now();
  await docker.getContainer(a!.Id).remove({ force: true });
  const replaced = await waitFor('the removed replica to be replaced', async () => {
    const list = await replicas(scope, 'api');
    return list.length === 2 && list.every((c) => c.State === 'running') && !list.some((c) => c.Id === a!.Id) && list;
  });
  t.true(replaced.some((c) => c.Id === b!.Id));
  t.log(`removed → replaced: ${(performance.now() - removedAt).toFixed(0)} ms`);

  const stoppedAt = performance.now();
  await docker.getContainer(b!.Id).stop({ t: 5 });
  await waitFor('the stopped replica to be replaced', async () => {
    const list = await replicas(scope, 'api');
    return list.length === 2 && list.every((c) => c.State === 'running') && !list.some((c) => c.Id === b!.Id);
  });
  t.log(`stopped → replaced: ${(performance.now() - stoppedAt).toFixed(0)} ms`);
  t.pass();
});

test.serial('init containers run before each replica, get no aliases, and a failing one is recorded', async (t) => {
  const scope = newScope();
  await apply(ctl, dep(scope, 'api', { replicas: 1, inits: [{ name: 'migrate', command: ['sh', '-c', 'echo migrated'] }] }));
  await settle(ctl, scope, 'api');
  t.is((await replicas(scope, 'api')).length, 1);
  t.deepEqual((await identityContainers(scope, 'api')).filter((c) => c.Labels['voodu.role'] === 'init'), [], 'a successful init is removed');

  await apply(ctl, dep(scope, 'bad', { replicas: 1, inits: [{ name: 'check', command: ['sh', '-c', 'exit 4'], retries: 1 }] }));
  const err = await t.throwsAsync(settle(ctl, scope, 'bad'));
  t.regex(err?.message ?? '', /init "check" for replica [0-9a-f]{4} failed after 2 attempt/);
  const st = await status(ctl, scope, 'bad');
  t.like(st.init_failures?.[0], { init_name: 'check', exit_code: 4, attempts: 2 });
  const left = (await identityContainers(scope, 'bad')).filter((c) => c.Labels['voodu.role'] === 'init');
  const newest = st.init_failures!.at(-1)!;
  t.deepEqual(left.map((c) => c.Names[0]), [`/${scope}-bad-init-check-${newest.replica_id}`], 'the latest failed init is kept for docker logs');
  t.true(left.every((c) => !(c.NetworkSettings.Networks['voodu0']?.Aliases ?? []).length), 'init containers have no aliases');
  t.is((await replicas(scope, 'bad')).length, 0);
});

test.serial('${asset…} and ${ref…} resolve in what the container sees; an unresolved ref is retried', async (t) => {
  const scope = newScope();
  await etcd.store.putJSON(keys.status('ingress', scope, 'edge'), { plugin: 'caddy', data: { url: 'https://edge.example' } });
  await apply(
    ctl,
    { kind: 'asset', scope, name: 'conf', spec: { files: { main: 'hello from an asset\n' } } },
    dep(scope, 'api', { volumes: ['${asset.conf.main}:/etc/app.conf:ro'], env: { CONF: '${asset.conf.main}', EDGE: '${ref.ingress.edge.url}/api' } }),
  );
  await settle(ctl, scope, 'api');
  const [c] = await replicas(scope, 'api');
  const env = envOf(await docker.getContainer(c!.Id).inspect());
  t.is(env.EDGE, 'https://edge.example/api');
  t.regex(env.CONF ?? '', new RegExp(`/assets/${scope}/conf/main$`));
  const exec = await docker.getContainer(c!.Id).exec({ Cmd: ['cat', '/etc/app.conf'], AttachStdout: true, AttachStderr: true });
  const out = await new Promise<string>((resolve, reject) => {
    exec.start({}, (err, stream) => {
      if (err || !stream) return reject(err);
      const chunks: Buffer[] = [];
      stream.on('data', (b: Buffer) => chunks.push(b));
      stream.on('end', () => resolve(demux(Buffer.concat(chunks))));
    });
  });
  t.is(out, 'hello from an asset\n');

  await apply(ctl, dep(scope, 'other', { env: { X: '${ref.ingress.nowhere.url}' } }));
  await t.throwsAsync(settle(ctl, scope, 'other'), { name: 'TransientError', message: /env X: \$\{ref\.ingress\.nowhere\.url\} does not resolve yet/ });
});

test.serial('the restart and rollback verbs drive the endpoints and report in text and JSON', async (t) => {
  const scope = newScope();
  await apply(ctl, dep(scope, 'api', { replicas: 1, env: { V: '1' } }));
  await settle(ctl, scope, 'api');
  await apply(ctl, dep(scope, 'api', { replicas: 1, env: { V: '2' } }));
  await settle(ctl, scope, 'api');
  const before = ids(await replicas(scope, 'api'));

  const restarted = await cli(ctl, 'restart', `${scope}/api`);
  t.is(restarted.code, 0, restarted.stderr);
  t.is(restarted.stdout, `deployment/${scope}/api restarted (1 replica(s))\n`);
  // While it waits, the CLI follows the rollout (the new replica needs its readiness grace first).
  t.regex(restarted.stderr, /restart: \d new replica\(s\) running, \d old left/);
  t.notDeepEqual(ids(await replicas(scope, 'api')), before);

  const rolled = await cli(ctl, 'rollback', `${scope}/api`, '-o', 'json');
  t.is(rolled.code, 0, rolled.stderr);
  const answer = JSON.parse(rolled.stdout);
  t.like(answer, { scope, name: 'api', kind: 'deployment' });
  const [c] = await replicas(scope, 'api');
  t.is(envOf(await docker.getContainer(c!.Id).inspect()).V, '1');

  const missing = await cli(ctl, 'rollback', `${scope}/api`, 'zzzz99');
  t.is(missing.code, 1);
  t.regex(missing.stderr, /release zzzz99 not found/);
});

test.serial('delete removes every container and the status', async (t) => {
  const scope = newScope();
  await apply(ctl, dep(scope, 'api', { replicas: 2 }));
  await settle(ctl, scope, 'api');
  const res = await call(ctl, 'DELETE', `/apply?kind=deployment&scope=${scope}&name=api`);
  t.is(res.status, 200, res.body.error);
  await waitFor('the containers to go', async () => (await identityContainers(scope, 'api')).length === 0);
  await waitFor('the status to go', async () => !(await etcd.store.get(keys.status('deployment', scope, 'api'))));
  t.pass();
});

test.serial('latency: apply → first replica created, apply → 10 replicas running', async (t) => {
  const scope = newScope();
  const started = performance.now();
  let firstCreate: number | undefined;
  let allRunning: number | undefined;
  const poll = (async () => {
    while (allRunning === undefined && performance.now() - started < 60_000) {
      const list = await replicas(scope, 'api');
      const now = performance.now() - started;
      if (firstCreate === undefined && list.length) firstCreate = now;
      if (list.length === 10 && list.every((c) => c.State === 'running')) allRunning = now;
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  await apply(ctl, dep(scope, 'api', { replicas: 10 }));
  await poll;
  t.truthy(firstCreate);
  t.truthy(allRunning);
  t.log(`apply → first replica created: ${firstCreate!.toFixed(0)} ms; apply → 10 replicas running: ${allRunning!.toFixed(0)} ms`);
  await settle(ctl, scope, 'api');
  t.is((await replicas(scope, 'api')).length, 10);
});

test.serial('a controller stopped mid-rollout leaves a state the next one finishes: right count, no orphans', async (t) => {
  const ownEtcd = await startEtcd();
  t.teardown(() => ownEtcd.stop());
  let a: ModuleController | undefined = await boot(ownEtcd.endpoint, 2500);
  let b: ModuleController | undefined;
  t.teardown(async () => {
    await a?.stop();
    await b?.stop();
  });
  const scope = newScope();
  await apply(a, dep(scope, 'api', { replicas: 3 }));
  await settle(a, scope, 'api');
  const before = await replicas(scope, 'api');
  const oldEnv = before[0]!.Labels['voodu.env_hash'];

  await call(a, 'POST', `/config?scope=${scope}&name=api`, { ROUND: '2' });
  await waitFor('the first successor', async () => (await replicas(scope, 'api')).some((c) => c.Labels['voodu.env_hash'] !== oldEnv), 30_000);
  await a.stop();
  a = undefined;
  const mid = await replicas(scope, 'api');
  t.log(`stopped with ${mid.length} replicas: ${mid.filter((c) => c.Labels['voodu.env_hash'] !== oldEnv).length} new`);
  t.true(mid.some((c) => c.Labels['voodu.env_hash'] === oldEnv), 'the rollout was really interrupted');

  b = await boot(ownEtcd.endpoint, 1000);
  await settle(b, scope, 'api');
  const after = await replicas(scope, 'api');
  t.is(after.length, 3);
  t.true(after.every((c) => c.State === 'running'));
  t.is(new Set(after.map((c) => c.Labels['voodu.env_hash'])).size, 1);
  t.not(after[0]!.Labels['voodu.env_hash'], oldEnv);
  for (const c of after) t.is(envOf(await docker.getContainer(c.Id).inspect()).ROUND, '2');
  t.is((await identityContainers(scope, 'api')).length, 3, 'no init or half-rolled container left');
});
