/**
 * The pods module against the real Docker engine and a real etcd, through
 * real HTTP (and the CLI's main()). Containers are made through the runtime
 * with voodu identity labels plus this file's run label, and removed in
 * `after.always`. The runtime is the real DockerRuntime behind a thin
 * wrapper that only records the log streams it opens, so a test can see
 * that a client going away closes the engine stream.
 */
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ControllerClient } from '../../cli/client.js';
import { Kernel, createLogger, defineModule, type ReconcileEvent } from '../../kernel/index.js';
import { keys } from '../../lib/identity.js';
import { FrameDecoder, STREAM_STDIN, decodeTrailer, encodeFrame, encodeResize } from '../../lib/exec-frames.js';
import apiModule from '../../modules/api/index.js';
import pathsModule from '../../modules/paths/index.js';
import applyModule from '../../modules/apply/index.js';
import podsModule from '../../modules/pods/index.js';
import reconcilerModule from '../../modules/reconciler/index.js';
import type { ContainerSpec, LogStream, Runtime } from '../../modules/runtime/contract.js';
import { DockerRuntime } from '../../modules/runtime/docker-runtime.js';
import storeModule from '../../modules/store/index.js';
import { TEST_IMAGE, cleanupDocker, requireDocker, testRunLabel } from '../helpers/docker.js';
import { startEtcd, type TestEtcd } from '../helpers/etcd.js';
import { readToken } from '../helpers/controller.js';
import { apiFetch } from '../helpers/http.js';
import { runCli } from '../helpers/cli.js';
import kindsModule from '../../modules/kinds/index.js';

const run = testRunLabel();
const docker = new DockerRuntime();
const S = `pt${run.value}`; // this run's scope: nothing else on the host matches it

/** Every log stream the controller opened, and whether it has ended. */
const opened: { id: string; ended: boolean }[] = [];
const spy: Runtime = new Proxy(docker, {
  get(target, prop) {
    if (prop === 'logs') {
      return async (id: string, options: Parameters<Runtime['logs']>[1]): Promise<LogStream> => {
        const log = await target.logs(id, options);
        const entry = { id, ended: false };
        opened.push(entry);
        void log.done.then(() => (entry.ended = true));
        return log;
      };
    }
    const value = Reflect.get(target, prop, target);
    return typeof value === 'function' ? value.bind(target) : value;
  },
}) as Runtime;
const spyRuntimeModule = defineModule({
  name: 'runtime',
  provides: ['runtime'],
  register(ctx) {
    ctx.provide('runtime', spy);
  },
});

let etcd: TestEtcd;
let kernel: Kernel;
let url = '';
let token = '';
let root = '';
const reconciled: ReconcileEvent[] = [];

/** Writes `go` files' content as a line once they appear: output on demand, after a request is open. */
const LOOP = [
  'sh',
  '-c',
  'trap "exit 0" TERM; echo "hello from $HOSTNAME"; echo "warn from $HOSTNAME" >&2; ' +
    'while :; do if [ -f /tmp/go ]; then echo "later $(cat /tmp/go)"; rm /tmp/go; fi; sleep 0.1; done',
];

function labels(kind: string, name: string, replica: string, extra: Record<string, string> = {}) {
  return { ...run.labels, 'voodu.kind': kind, 'voodu.scope': S, 'voodu.name': name, 'voodu.replica_id': replica, ...extra };
}

async function pod(name: string, extra: Partial<ContainerSpec> = {}) {
  return docker.run({ name, image: TEST_IMAGE, command: LOOP, networkMode: 'none', stopTimeoutSec: 2, ...extra, labels: { ...run.labels, ...extra.labels } });
}

const web = (id: string) => `${S}-web.${id}`;
const manifest = (kind: string, name: string, spec: Record<string, unknown>) => ({ kind, scope: S, name, spec });

test.before(async () => {
  await requireDocker();
  etcd = await startEtcd();
  kernel = new Kernel({ log: createLogger({ sink: () => {} }) });
  kernel.hooks.onReconcile.for('deployment').tapPromise('test', async (e) => void reconciled.push(e));
  root = await mkdtemp(join(tmpdir(), 'voodu-pods-test-'));
  await kernel.boot([
    { module: kindsModule },
    { module: pathsModule, options: { root } },
    { module: storeModule, options: { endpoints: [etcd.endpoint] } },
    { module: spyRuntimeModule },
    { module: apiModule, options: { http: '127.0.0.1:0' } },
    { module: reconcilerModule },
    { module: applyModule },
    { module: podsModule },
  ]);
  url = kernel.services.get('api', 'test').address().url;
  token = await readToken(root);
  await etcd.store.putJSON(
    keys.desired({ kind: 'deployment', scope: S, name: 'web' }),
    manifest('deployment', 'web', { image: TEST_IMAGE, replicas: 2, resources: { limits: { cpu: '500m', memory: '64Mi' } } }),
  );
  await etcd.store.putJSON(keys.desired({ kind: 'statefulset', scope: S, name: 'db' }), manifest('statefulset', 'db', { image: TEST_IMAGE }));
  await Promise.all([
    pod(web('aaaa'), { labels: labels('deployment', 'web', 'aaaa'), env: { SECRET_TOKEN: 'hunter2' } }),
    pod(web('bbbb'), { labels: labels('deployment', 'web', 'bbbb') }),
    pod(`${S}-db.0`, { labels: labels('statefulset', 'db', '0', { 'voodu.replica_ordinal': '0' }) }),
    pod(`${S}-gone.cccc`, { labels: labels('deployment', 'gone', 'cccc') }),
    pod(`${S}-legacy`, { labels: { 'voodu.scope': S }, noStart: true }),
    docker.createVolume(`voodu-${S}-db-data-0`, { ...run.labels, 'voodu.kind': 'statefulset', 'voodu.scope': S, 'voodu.name': 'db', 'voodu.replica_ordinal': '0' }),
  ]);
});

test.after.always(async () => {
  await kernel?.shutdown();
  if (root) await rm(root, { recursive: true, force: true });
  await etcd?.stop();
  await cleanupDocker(run.filter);
});

async function call(method: string, path: string, body?: unknown) {
  const res = await apiFetch({ url, token }, path, {
    method,
    ...(body !== undefined && { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  const text = await res.text();
  const json = res.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : undefined;
  return { status: res.status, text, json: json as { status: string; data?: any; error?: string } };
}

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** Waits until the container has printed its first lines, so log assertions do not race its start. */
const printed = (name: string) =>
  until(`${name} to print`, async () => (await docker.exec(name, { cmd: ['true'] })).exitCode === 0 && (await call('GET', `/pods/${name}/logs`)).text.includes('warn'));

/** Exec over a real HTTP upgrade; the stream decoded with the framing the CLI uses. */
async function execRaw(podName: string, body: unknown, query = '', stdin?: string) {
  const client = new ControllerClient(url, token);
  const { socket, head } = await client.upgrade('POST', `/pods/${podName}/exec${query}`, { body });
  const decoder = new FrameDecoder();
  const out = { stdout: '', stderr: '', trailer: undefined as ReturnType<typeof decodeTrailer> | undefined, types: [] as number[] };
  const take = (chunk: Buffer) => {
    for (const f of decoder.push(chunk)) {
      out.types.push(f.type);
      if (f.type === 1) out.stdout += f.payload.toString();
      else if (f.type === 2) out.stderr += f.payload.toString();
      else if (f.type === 3) out.trailer = decodeTrailer(f.payload);
    }
  };
  take(head);
  socket.on('data', take);
  if (stdin !== undefined) socket.end(stdin);
  await new Promise((resolve) => socket.once('close', resolve));
  return out;
}

async function cli(args: string[], stdinText?: string) {
  return runCli(args, { target: { url, root }, ...(stdinText !== undefined ? { stdin: stdinText } : {}) });
}

test.serial('GET /pods lists voodu containers, running and stopped, with their identity; filters are validated', async (t) => {
  const all = await call('GET', `/pods?scope=${S}`);
  t.is(all.status, 200, all.text);
  const names = all.json.data.map((p: any) => p.name);
  t.deepEqual(names, [`${S}-db.0`, `${S}-gone.cccc`, `${S}-legacy`, web('aaaa'), web('bbbb')]);
  const a = all.json.data.find((p: any) => p.name === web('aaaa'));
  t.like(a, { kind: 'deployment', scope: S, resource: 'web', replica_id: 'aaaa', role: 'deployment', image: TEST_IMAGE, state: 'running', frozen: false, orphan: false });
  t.regex(a.status, /^Up /);
  t.truthy(Date.parse(a.started_at));
  t.truthy(Date.parse(a.created_at));
  t.is(a.ordinal, undefined);
  t.like(all.json.data.find((p: any) => p.name === `${S}-db.0`), { kind: 'statefulset', ordinal: 0, replica_id: '0' });
  t.like(all.json.data.find((p: any) => p.name === `${S}-gone.cccc`), { orphan: true });
  const legacy = all.json.data.find((p: any) => p.name === `${S}-legacy`);
  t.like(legacy, { kind: '', role: '', state: 'created', orphan: false });
  t.is(legacy.started_at, undefined);

  const deployments = await call('GET', `/pods?scope=${S}&kind=deployments&name=web`);
  t.deepEqual(deployments.json.data.map((p: any) => p.name), [web('aaaa'), web('bbbb')]);
  const bad = await call('GET', '/pods?kind=widget');
  t.is(bad.status, 400);
  t.regex(bad.json.error!, /query\.kind: "widget" is not a kind/);
  t.is((await call('GET', '/pods?scope=Not%20Valid')).status, 400);
});

test.serial('GET /pods/{name} shows one pod; env values only with show_env=true; bad and unknown names', async (t) => {
  const hidden = await call('GET', `/pods/${web('aaaa')}`);
  t.is(hidden.status, 200, hidden.text);
  t.like(hidden.json.data, { name: web('aaaa'), kind: 'deployment', restart_count: 0 });
  t.true(hidden.json.data.env_keys.includes('SECRET_TOKEN'));
  t.is(hidden.json.data.env, undefined);
  t.false(hidden.text.includes('hunter2'), 'an env value leaked without show_env');
  t.is(hidden.json.data.labels['voodu.replica_id'], 'aaaa');

  const shown = await call('GET', `/pods/${web('aaaa')}?show_env=true`);
  t.true(shown.json.data.env.includes('SECRET_TOKEN=hunter2'));

  const missing = await call('GET', `/pods/${S}-nope.0000`);
  t.is(missing.status, 404);
  t.regex(missing.json.error!, /no voodu pod named/);
  for (const bad of ['.hidden', 'a%20b', 'a%2Fb']) {
    const r = await call('GET', `/pods/${bad}`);
    t.is(r.status, 400, bad);
    t.regex(r.json.error!, /pod name/);
  }
  t.is((await call('GET', `/pods/${web('aaaa')}?show_env=maybe`)).status, 400);
});

test.serial('logs: the whole log at once (stdout and stderr), then following: later lines arrive, and a client that leaves closes the engine stream', async (t) => {
  const name = web('aaaa');
  await printed(name);
  const whole = await apiFetch({ url, token }, `/pods/${name}/logs?tail=all`);
  t.is(whole.status, 200);
  t.regex(whole.headers.get('content-type')!, /^text\/plain/);
  const text = await whole.text();
  t.true(text.includes(`hello from`), text);
  t.true(text.includes(`warn from`), text);
  t.is((await call('GET', `/pods/${name}/logs?tail=lots`)).status, 400);

  const before = opened.length;
  const abort = new AbortController();
  const res = await apiFetch({ url, token }, `/pods/${name}/logs?follow=true&tail=0`, { signal: abort.signal });
  t.is(res.status, 200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let streamed = '';
  const reading = (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      streamed += decoder.decode(value, { stream: true });
    }
  })();
  await until('the engine stream to open', () => opened.length > before);
  const stream = opened[opened.length - 1]!;
  t.false(stream.ended);
  await docker.exec(name, { cmd: ['sh', '-c', 'echo tick-1 > /tmp/go'] });
  await until('the line written after the request', () => streamed.includes('later tick-1'));
  t.false(streamed.includes('hello from'), 'tail=0 still sent old lines');

  abort.abort();
  await reading;
  await until('the engine log stream to close after the client left', () => stream.ended, 5000);
  t.pass();
});

test.serial('GET /logs fans out over a resource with [pod] prefixes and names the containers in a header', async (t) => {
  await printed(web('bbbb'));
  const res = await apiFetch({ url, token }, `/logs?scope=${S}&name=web&tail=all`);
  t.is(res.status, 200);
  t.is(res.headers.get('x-voodu-containers'), `${web('aaaa')},${web('bbbb')}`);
  const lines = (await res.text()).split('\n').filter(Boolean);
  for (const id of ['aaaa', 'bbbb']) {
    t.true(lines.some((l) => l.startsWith(`[${web(id)}] hello from`)), lines.join('\n'));
    t.true(lines.some((l) => l.startsWith(`[${web(id)}] warn from`)));
  }
  t.true(lines.every((l) => /^\[[^\]]+\] /.test(l)));
  t.is((await call('GET', '/logs')).status, 400);
  const none = await call('GET', `/logs?scope=${S}&name=nothing`);
  t.is(none.status, 404);
  t.regex(none.json.error!, /no containers match/);
});

test.serial('exec over the HTTP upgrade: stdout and stderr apart, then the exit code', async (t) => {
  const r = await execRaw(web('aaaa'), { command: ['sh', '-c', 'echo out; echo err >&2; echo "$GREETING"; exit 7'], env: ['GREETING=hi there'] });
  t.is(r.stdout, 'out\nhi there\n');
  t.is(r.stderr, 'err\n');
  t.deepEqual(r.trailer, { exit_code: 7 });
  t.is(r.types.at(-1), 3, 'the trailer is not the last frame');

  const tty = await execRaw(web('aaaa'), { command: ['sh', '-c', 'echo in-tty; echo e >&2; sleep 0.5; stty size'] }, '?tty=true&cols=91&rows=13');
  t.regex(tty.stdout, /in-tty\r?\n/);
  t.regex(tty.stdout, /13 91/);
  t.is(tty.stderr, '', 'a tty merges stderr into its one stream');
  t.deepEqual(tty.trailer, { exit_code: 0 });
});

test.serial('exec with frames=true: a resize frame changes the tty size of the running command; stdin frames reach it', async (t) => {
  const client = new ControllerClient(url, token);
  const { socket, head } = await client.upgrade('POST', `/pods/${web('aaaa')}/exec?tty=true&interactive=true&frames=true&cols=91&rows=13`, {
    body: { command: ['sh', '-c', 'while read line; do [ "$line" = quit ] && exit 3; stty size; done'] },
  });
  const decoder = new FrameDecoder();
  let stdout = '';
  let trailer: ReturnType<typeof decodeTrailer> | undefined;
  const take = (chunk: Buffer) => {
    for (const f of decoder.push(chunk)) {
      if (f.type === 1) stdout += f.payload.toString();
      else if (f.type === 3) trailer = decodeTrailer(f.payload);
    }
  };
  take(head);
  socket.on('data', take);
  t.teardown(() => socket.destroy());
  const closed = new Promise((resolve) => socket.once('close', resolve));
  // Each resize (the first from cols/rows) is an engine call of its own: ask until the size shows.
  await until('the first size', () => {
    socket.write(encodeFrame(STREAM_STDIN, 'size\n'));
    return /13 91/.test(stdout);
  });
  socket.write(encodeResize(120, 40));
  await until('the new size', () => {
    socket.write(encodeFrame(STREAM_STDIN, 'again\n'));
    return /40 120/.test(stdout);
  });
  socket.write(encodeFrame(STREAM_STDIN, 'quit\n'));
  await closed;
  t.deepEqual(trailer, { exit_code: 3 });
  t.regex(stdout, /13 91[\s\S]*40 120/);
});

test.serial('exec: stdin reaches the process when interactive, and EOF ends it', async (t) => {
  const r = await execRaw(web('aaaa'), { command: ['wc', '-c'] }, '?interactive=true', 'twelve bytes');
  t.is(r.stdout.trim(), '12');
  t.deepEqual(r.trailer, { exit_code: 0 });
});

test.serial('exec refuses a request without the Upgrade handshake, a bad body and a stopped pod, as plain HTTP errors', async (t) => {
  const plain = await call('POST', `/pods/${web('aaaa')}/exec`, { command: ['true'] });
  t.is(plain.status, 400);
  t.regex(plain.json.error!, /Connection: Upgrade.*Upgrade: tcp/);

  const client = new ControllerClient(url, token);
  await t.throwsAsync(client.upgrade('POST', `/pods/${web('aaaa')}/exec`, { body: { command: [] } }), { message: /body\.command/ });
  await t.throwsAsync(client.upgrade('POST', `/pods/${web('aaaa')}/exec`, { body: { command: ['env'], env: ['NOEQUALS'] } }), {
    message: /body\.env\[0\]/,
  });
  await t.throwsAsync(client.upgrade('POST', `/pods/${S}-nope.0000/exec`, { body: { command: ['true'] } }), { message: /no voodu pod named/ });
  await t.throwsAsync(client.upgrade('POST', `/pods/${S}-legacy/exec`, { body: { command: ['true'] } }), { message: /is not running/ });

  // Upgrade for another protocol is not ours to take either.
  const status = await new Promise<number>((resolve, reject) => {
    const req = request(`${url}/pods/${web('aaaa')}/exec`, { method: 'POST', headers: { connection: 'Upgrade', upgrade: 'websocket', 'content-length': '2', 'content-type': 'application/json', authorization: `Bearer ${token}` } });
    req.once('response', (res) => resolve(res.statusCode!));
    req.once('upgrade', () => reject(new Error('upgraded')));
    req.once('error', reject);
    req.end('{}');
  });
  t.is(status, 400);
});

test.serial('describe lists the pods of a resource, and a statefulset its volumes', async (t) => {
  const dep = await call('GET', `/describe?kind=deployment&scope=${S}&name=web`);
  t.is(dep.status, 200, dep.text);
  t.truthy(dep.json.data.manifest);
  t.deepEqual(dep.json.data.pods.map((p: any) => p.name), [web('aaaa'), web('bbbb')]);
  t.is(dep.json.data.pods[0].replica_id, 'aaaa');
  t.is(dep.json.data.volumes, undefined);
  const sts = await call('GET', `/describe?kind=statefulset&scope=${S}&name=db`);
  t.deepEqual(sts.json.data.pods.map((p: any) => p.name), [`${S}-db.0`]);
  t.deepEqual(sts.json.data.volumes, [`voodu-${S}-db-data-0`]);
});

// Another controller on this engine (a concurrent test file) may remove a voodu container soon after
// it dies, when that controller has no manifest for it. So every check after a stop is made at once,
// and later tests never rely on a stopped container still being there.
test.serial('stop with freeze stops the container and adds its replica to the sorted frozen list; without freeze it only stops', async (t) => {
  const frozenKey = keys.frozen({ kind: 'deployment', scope: S, name: 'web' });
  const b = await call('POST', `/pods/${web('bbbb')}/stop`);
  t.is(b.status, 200, b.text);
  t.deepEqual(b.json.data, { name: web('bbbb'), freeze: true });
  t.like((await call('GET', `/pods/${web('bbbb')}`)).json.data, { state: 'exited', frozen: true });
  const a = await call('POST', `/pods/${web('aaaa')}/stop?freeze=true`);
  t.is(a.status, 200);
  t.false((await docker.inspect(web('aaaa')))!.running);
  t.deepEqual(await etcd.store.getJSON(frozenKey), { replica_ids: ['aaaa', 'bbbb'] });
  t.is((await call('POST', `/pods/${web('aaaa')}/stop`)).status, 200, 'stopping again is fine');
  t.deepEqual(await etcd.store.getJSON(frozenKey), { replica_ids: ['aaaa', 'bbbb'] }, 'a repeat added a duplicate');

  const db = await call('POST', `/pods/${S}-db.0/stop?freeze=false`);
  t.deepEqual(db.json.data, { name: `${S}-db.0`, freeze: false });
  t.false((await docker.inspect(`${S}-db.0`))!.running);
  t.is(await etcd.store.get(keys.frozen({ kind: 'statefulset', scope: S, name: 'db' })), undefined);

  const legacy = await call('POST', `/pods/${S}-legacy/stop`);
  t.is(legacy.status, 400);
  t.regex(legacy.json.error!, /no voodu identity/);
  t.is((await call('POST', `/pods/${web('bbbb')}/stop?freeze=yes`)).status, 400);
});

test.serial('start of a managed pod unfreezes it, removes the container and re-puts the manifest unchanged', async (t) => {
  await pod(web('eeee'), { labels: labels('deployment', 'web', 'eeee') });
  const frozenKey = keys.frozen({ kind: 'deployment', scope: S, name: 'web' });
  await etcd.store.putJSON(frozenKey, { replica_ids: ['eeee'] });
  const key = keys.desired({ kind: 'deployment', scope: S, name: 'web' });
  const before = (await etcd.store.get(key))!;
  const seen = reconciled.length;
  const r = await call('POST', `/pods/${web('eeee')}/start`);
  t.is(r.status, 200, r.text);
  t.deepEqual(r.json.data, { name: web('eeee'), recreated: true, unfroze: true });
  t.is(await docker.inspect(web('eeee')), undefined, 'the old container is still there');
  const after = (await etcd.store.get(key))!;
  t.true(after.modRevision > before.modRevision, 'no new revision of the manifest');
  t.is(after.value, before.value, 'the manifest changed');
  t.is(await etcd.store.get(frozenKey), undefined, 'an emptied frozen list must delete the key');
  await until('the reconciler to see the re-put', () => reconciled.slice(seen).some((e) => e.ref.name === 'web' && e.type === 'put'));

  await pod(web('ffff'), { labels: labels('deployment', 'web', 'ffff') });
  const again = await call('POST', `/pods/${web('ffff')}/start`);
  t.deepEqual(again.json.data, { name: web('ffff'), recreated: true, unfroze: false });

  const gone = await call('POST', `/pods/${S}-gone.cccc/start`);
  t.is(gone.status, 410);
  t.regex(gone.json.error!, /deployment\/.*\/gone.*manifest is gone/);
  t.truthy(await docker.inspect(`${S}-gone.cccc`), 'a pod without manifest was removed');
});

test.serial('start of a container without voodu identity just starts it', async (t) => {
  const r = await call('POST', `/pods/${S}-legacy/start`);
  t.is(r.status, 200, r.text);
  t.deepEqual(r.json.data, { name: `${S}-legacy`, recreated: false, unfroze: false });
  await until('the legacy container to run', async () => (await docker.inspect(`${S}-legacy`))!.running);
  t.pass();
});

test.serial('stats: running pods with usage, manifest limits and orphan flags', async (t) => {
  await pod(web('dddd'), { labels: labels('deployment', 'web', 'dddd') });
  const r = await call('GET', `/stats?scope=${S}`);
  t.is(r.status, 200, r.text);
  const names = r.json.data.pods.map((p: any) => p.container_name).sort();
  t.deepEqual(names, [web('dddd')], 'stopped, orphan or legacy pods are listed');
  const s = r.json.data.pods[0];
  t.deepEqual(s.identity, { kind: 'deployment', scope: S, name: 'web', replica_id: 'dddd' });
  t.deepEqual(s.limits, { cpu: '0.5', memory: '64Mi', memory_bytes: 64 * 1024 * 1024 });
  t.is(s.orphan, false);
  t.true(s.usage.memory_usage_bytes > 0);
  t.true(s.usage.memory_limit_bytes > 0);
  t.is(typeof s.usage.cpu_percent, 'number');
  t.true(s.usage.memory_percent >= 0 && s.usage.memory_percent <= 100);
  t.true(s.usage.pids >= 1, `pids ${s.usage.pids}`);

  const withOrphans = await call('GET', `/stats?scope=${S}&orphans=true`);
  const orphans = withOrphans.json.data.pods.filter((p: any) => p.orphan).map((p: any) => p.container_name).sort();
  t.deepEqual(orphans, [`${S}-gone.cccc`, `${S}-legacy`]);
  t.deepEqual(withOrphans.json.data.pods.find((p: any) => p.container_name === `${S}-gone.cccc`).limits, {});
  t.is((await call('GET', '/stats?orphans=sometimes')).status, 400);
});

test.serial('CLI: get pods, logs, exec (exit code and stdin), stats -o json, start and stop', async (t) => {
  const db1 = `${S}-db.1`;
  await pod(db1, { labels: labels('statefulset', 'db', '1', { 'voodu.replica_ordinal': '1' }) });
  await printed(db1);
  const got = await cli(['get', 'pods', '-s', S]);
  t.is(got.code, 0, got.stderr);
  for (const group of ['deployment', 'statefulset', 'legacy', 'orphans']) t.regex(got.stdout, new RegExp(`=== ${group} \\(\\d+\\) ===`));
  t.true(got.stdout.indexOf('=== orphans') > got.stdout.indexOf('=== legacy'), 'orphans are not last');
  t.regex(got.stdout, /NAME\s+KIND\s+SCOPE\s+RESOURCE\s+IMAGE\s+STATUS/);
  t.regex(got.stdout, new RegExp(`${S}-legacy\\s+\\(legacy\\)\\s+${S}\\s+-`));
  const one = await cli(['get', 'pod', `${S}/db.1`, '-o', 'json']);
  t.like(JSON.parse(one.stdout), { name: db1, ordinal: 1 });
  const manifests = await cli(['get', 'deployments', '-o', 'json']);
  t.is(manifests.code, 0, manifests.stderr);
  t.true(JSON.parse(manifests.stdout).some((m: any) => m.scope === S && m.name === 'web'), 'get <kind> no longer lists manifests');

  const logs = await cli(['logs', `${S}/db.1`]);
  t.is(logs.code, 0, logs.stderr);
  t.regex(logs.stdout, /hello from/);
  t.regex(logs.stdout, /warn from/);
  const fan = await cli(['logs', `${S}/db`, '--tail', '5']);
  t.is(fan.code, 0, fan.stderr);
  t.regex(fan.stderr, new RegExp(`^==> tailing \\d+ container\\(s\\) for "${S}/db"`));
  t.regex(fan.stdout, new RegExp(`^\\[${S}-db\\.1\\] hello from`, 'm'));
  const none = await cli(['logs', `${S}/nothing`]);
  t.is(none.code, 1);
  t.is(none.stderr, `voodu: no containers match "${S}/nothing"\n`);

  const exit = await cli(['exec', `${S}/db.1`, '--', 'sh', '-c', 'echo out; echo err >&2; exit 5']);
  t.is(exit.code, 5, exit.stderr);
  t.is(exit.stdout, 'out\n');
  t.is(exit.stderr, 'err\n');
  const piped = await cli(['exec', '-i', db1, '-e', 'X=1', '--', 'sh', '-c', 'wc -c; echo "x=$X"'], 'hello');
  t.is(piped.code, 0, piped.stderr);
  t.regex(piped.stdout, /^\s*5\nx=1\n$/);
  const byName = await cli(['exec', '--container', db1, '--', 'sh', '-c', 'exit 3']);
  t.is(byName.code, 3, byName.stderr);
  const noCmd = await cli(['exec', `${S}/db.1`]);
  t.is(noCmd.code, 1);
  t.regex(noCmd.stderr, /no command given/);

  const stats = await cli(['stats', `${S}/web`, '-o', 'json']);
  t.is(stats.code, 0, stats.stderr);
  const pods = JSON.parse(stats.stdout);
  t.deepEqual(pods.map((p: any) => p.container_name), [web('dddd')]);
  t.is(pods[0].limits.cpu, '0.5');
  const table = await cli(['stats', `deployment/${S}/web`]);
  t.regex(table.stdout, /KIND\s+NAME\s+CPU\s+MEMORY\s+PIDS/);
  t.regex(table.stdout, /B \/ 64\.0MiB \(/);

  await etcd.store.putJSON(keys.frozen({ kind: 'statefulset', scope: S, name: 'db' }), { replica_ids: ['1'] });
  const started = await cli(['start', `${S}/db.1`]);
  t.is(started.code, 0, started.stderr);
  t.is(started.stdout, `+ ${db1} recreated (unfrozen, fresh env from manifest)\n`);
  t.is(await docker.inspect(db1), undefined);

  const stopped = await cli(['stop', `${S}/gone`]);
  t.is(stopped.code, 0, stopped.stderr);
  t.is(stopped.stdout, `- ${S}-gone.cccc stopped (frozen)\n`);
  t.deepEqual(await etcd.store.getJSON(keys.frozen({ kind: 'deployment', scope: S, name: 'gone' })), { replica_ids: ['cccc'] });
  const scopeOnly = await cli(['stop', S]);
  t.is(scopeOnly.code, 1);
  t.regex(scopeOnly.stderr, /names a whole scope/);
});
