import test from 'ava';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Etcd3 } from 'etcd3';
import { freePorts } from '../helpers/ports.js';
import { requireBinary } from '../helpers/require.js';

// The real voodu-controller process: embedded etcd on free ports, a temp root, SIGTERM.
test.serial.before(() => {
  requireBinary('etcd');
});

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
const fixture = fileURLToPath(new URL('../fixtures/hello-module/index.js', import.meta.url));

interface Daemon {
  proc: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

let root = '';
let http = 0;
let client = 0;
let peer = 0;
const running: Daemon[] = [];

test.before(async () => {
  root = await mkdtemp(join(tmpdir(), 'voodu-daemon-'));
  [http, client, peer] = (await freePorts(3)) as [number, number, number];
  // The fixture module gives the daemon a POST route to send an oversized body to.
  await writeFile(join(root, 'modules.json'), JSON.stringify({ modules: [{ from: fixture }] }));
});

test.after.always(async () => {
  for (const d of running) d.proc.kill('SIGKILL');
  for (const pid of await etcdPidsUnder(root)) process.kill(pid, 'SIGKILL');
  if (root) await rm(root, { recursive: true, force: true });
});

function startDaemon(): Daemon {
  const proc = spawn(
    process.execPath,
    [
      '--import=tsx',
      '--disable-warning=DEP0111',
      join(projectRoot, 'bin/voodu-controller.ts'),
      '--root', root,
      '--http', `127.0.0.1:${http}`,
      '--pod-http', ':0',
      '--etcd-client', `http://127.0.0.1:${client}`,
      '--etcd-peer', `http://127.0.0.1:${peer}`,
    ],
    { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, VOODU_ROOT: '' } },
  );
  let out = '';
  proc.stdout!.on('data', (c) => (out += c));
  proc.stderr!.on('data', (c) => (out += c));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const d = { proc, output: () => out, exited };
  running.push(d);
  return d;
}

async function waitHealthy(d: Daemon, timeoutMs = 40_000): Promise<{ status: string; version: string }> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void d.exited.then((c) => (exitCode = c));
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`controller exited with ${exitCode}:\n${d.output()}`);
    try {
      const res = await fetch(`http://127.0.0.1:${http}/health`);
      if (res.ok) return (await res.json()) as { status: string; version: string };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`controller not healthy after ${timeoutMs} ms:\n${d.output()}`);
}

/** Calls the daemon's API with the token it wrote to `<root>/api-token` (read once the daemon is up). */
async function tokenApi(): Promise<(method: string, path: string, body?: unknown, init?: RequestInit) => Promise<Response>> {
  const auth = { authorization: `Bearer ${(await readFile(join(root, 'api-token'), 'utf8')).trim()}`, 'content-type': 'application/json' };
  return (method, path, body, init = {}) => fetch(`http://127.0.0.1:${http}${path}`, { ...init, method, headers: auth, ...(body !== undefined && { body: JSON.stringify(body) }) });
}

/** Processes named etcd whose command line points into `dir` (our embedded etcd). */
async function etcdPidsUnder(dir: string): Promise<number[]> {
  if (!dir) return [];
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0');
      if (cmdline[0]?.endsWith('etcd') && cmdline.some((a) => a.includes(dir))) pids.push(Number(entry));
    } catch {
      // process gone
    }
  }
  return pids;
}

async function stopDaemon(d: Daemon): Promise<number | null> {
  d.proc.kill('SIGTERM');
  const timer = setTimeout(() => d.proc.kill('SIGKILL'), 30_000);
  const code = await d.exited;
  clearTimeout(timer);
  return code;
}

test.serial('health, a key that survives a restart, 413, and SIGTERM that stops etcd too', async (t) => {
  const first = startDaemon();
  const health = await waitHealthy(first);
  t.is(health.status, 'ok');
  const commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: projectRoot, encoding: 'utf8' }).trim();
  t.regex(health.version, new RegExp(`^\\d+\\.\\d+\\.\\d+ \\(commit: ${commit}(-dirty)?\\)$`));

  // The layout of $VOODU_ROOT exists.
  for (const dir of ['state', 'plugins', 'apps', 'volumes', 'assets', 'cache']) {
    t.truthy((await readdir(root)).includes(dir), `${dir}/ missing`);
  }

  // The community module from modules.json is live, and the body cap holds on the real daemon.
  // The token the daemon created on first start, readable by root only.
  const tokenFile = join(root, 'api-token');
  t.is((await stat(tokenFile)).mode & 0o777, 0o600);
  const auth = { authorization: `Bearer ${(await readFile(tokenFile, 'utf8')).trim()}`, 'content-type': 'application/json' };
  t.is((await fetch(`http://127.0.0.1:${http}/hello`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })).status, 401);
  const hello = await fetch(`http://127.0.0.1:${http}/hello`, { method: 'POST', body: JSON.stringify({ name: 'daemon' }), headers: auth });
  t.deepEqual(await hello.json(), { status: 'ok', data: { greeting: 'hello, daemon' } });
  const big = await fetch(`http://127.0.0.1:${http}/hello`, { method: 'POST', body: 'x'.repeat(2 * 1024 * 1024), headers: auth });
  t.is(big.status, 413);
  t.regex(((await big.json()) as { error: string }).error, /1 MiB limit/);

  // A key written to the embedded etcd...
  const etcd = new Etcd3({ hosts: `http://127.0.0.1:${client}` });
  const value = `written-${Date.now()}`;
  await etcd.put('/desired/deployments/test/survivor').value(value);
  etcd.close();
  const etcdPids = await etcdPidsUnder(root);
  t.is(etcdPids.length, 1, 'one embedded etcd runs under the root');

  // ...SIGTERM stops the controller cleanly, and its etcd with it.
  t.is(await stopDaemon(first), 0, first.output());
  t.deepEqual(await etcdPidsUnder(root), [], 'embedded etcd still running after SIGTERM');
  await t.throwsAsync(fetch(`http://127.0.0.1:${client}/health`), undefined, 'etcd client port still answers');

  // ...and the key is still there after the controller comes back.
  const second = startDaemon();
  await waitHealthy(second);
  const again = new Etcd3({ hosts: `http://127.0.0.1:${client}` });
  t.is(await again.get('/desired/deployments/test/survivor').string(), value);
  again.close();
  t.is(await stopDaemon(second), 0, second.output());
  t.deepEqual(await etcdPidsUnder(root), []);
});

test.serial('/health turns 503 degraded, naming etcd, within 2 s of the embedded etcd freezing, and ok again once it answers, untouched', async (t) => {
  t.timeout(120_000);
  const d = startDaemon();
  await waitHealthy(d);
  const tokenFile = join(root, 'api-token');
  const auth = { authorization: `Bearer ${(await readFile(tokenFile, 'utf8')).trim()}`, 'content-type': 'application/json' };
  // A write acknowledged before the fault.
  const acked = await fetch(`http://127.0.0.1:${http}/config?scope=health&name=kept&restart=false`, { method: 'POST', headers: auth, body: JSON.stringify({ KEPT: 'yes' }) });
  t.is(acked.status, 200, await acked.clone().text());

  // Frozen, not killed: its supervisor would restart a dead one at once, and how fast is not the point.
  const pids = await etcdPidsUnder(root);
  t.is(pids.length, 1, 'one embedded etcd');
  const killedAt = Date.now();
  for (const pid of pids) process.kill(pid, 'SIGSTOP');
  t.teardown(() => {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // gone
      }
    }
  });
  let degradedAfter: number | undefined;
  let body: { status: string; error?: string; dependencies?: Record<string, { ok: boolean; since: string }> } | undefined;
  while (Date.now() - killedAt < 10_000) {
    const res = await fetch(`http://127.0.0.1:${http}/health`);
    body = (await res.json()) as typeof body;
    if (res.status === 503) {
      degradedAfter = Date.now() - killedAt;
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  t.log(`degraded ${degradedAfter} ms after etcd froze: ${body?.error}`);
  t.truthy(degradedAfter !== undefined && degradedAfter <= 2000 + 1500, `not degraded within 2 s (+ the check's deadline): ${JSON.stringify(body)}`);
  t.is(body?.status, 'degraded');
  t.false(body?.dependencies?.etcd?.ok);
  t.true(body?.dependencies?.docker?.ok, 'docker reported failing with etcd down');
  t.regex(body?.error ?? '', /etcd failing since/);

  // etcd answers again; /health recovers by itself and the acknowledged write is there.
  for (const pid of pids) process.kill(pid, 'SIGCONT');
  const resumedAt = Date.now();
  const back = await waitHealthy(d, 60_000);
  t.is(back.status, 'ok');
  t.log(`ok again ${Date.now() - resumedAt} ms after etcd resumed`);
  const got = await fetch(`http://127.0.0.1:${http}/config?scope=health&name=kept&merge=false`, { headers: auth });
  t.is(got.status, 200, await got.clone().text());
  t.regex(await got.text(), /"KEPT":"yes"/);
  t.is(await stopDaemon(d), 0, d.output());
});

test.serial('kill -9 mid-job: the next controller adopts the run, kills it at its stored deadline and records why', async (t) => {
  t.timeout(180_000);
  const { dockerClient, TEST_IMAGE } = await import('../helpers/docker.js');
  const docker = dockerClient();
  const scope = `adopt${process.pid}`;
  const first = startDaemon();
  await waitHealthy(first);
  const api = await tokenApi();
  try {
    const applied = await api('POST', '/apply', [{ kind: 'job', scope, name: 'hang', spec: { image: TEST_IMAGE, command: ['sleep', '3600'], timeout: '8s' } }]);
    t.is(applied.status, 200, await applied.clone().text());
    void api('POST', `/jobs/run?scope=${scope}&name=hang`).catch(() => undefined); // answered only at the end: the controller dies first
    const runningRun = async () => (await docker.listContainers({ filters: { label: [`voodu.scope=${scope}`, 'voodu.kind=job'] } }))[0];
    let container: Awaited<ReturnType<typeof runningRun>>;
    for (let i = 0; i < 100 && !(container = await runningRun()); i++) await new Promise((r) => setTimeout(r, 200));
    t.truthy(container, 'the run never started');
    const startedAt = Date.now();

    // The crash: the controller and its etcd, both with SIGKILL.
    first.proc.kill('SIGKILL');
    await first.exited;
    for (const pid of await etcdPidsUnder(root)) process.kill(pid, 'SIGKILL');
    const second = startDaemon();
    await waitHealthy(second, 60_000);

    let killedAfter: number | undefined;
    for (let i = 0; i < 150; i++) {
      const state = (await docker.getContainer(container!.Id).inspect()).State;
      if (!state.Running) {
        killedAfter = Date.now() - startedAt;
        break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    t.log(`the run, timeout 8s, was killed ${killedAfter} ms after it started, by the controller that came back`);
    t.truthy(killedAfter !== undefined, 'the orphaned run was never killed');
    t.true(killedAfter! < 8000 + 10_000, `killed only after ${killedAfter} ms`);

    let run: { status?: string; error?: string } | undefined;
    for (let i = 0; i < 50; i++) {
      const d = (await (await api('GET', `/describe?kind=job&scope=${scope}&name=hang`)).json()) as { data?: { status?: { history?: { run_id?: string; status: string; error?: string }[] } } };
      run = d.data?.status?.history?.find((r) => (r as { run_id?: string }).run_id === container!.Labels['voodu.replica_id']);
      if (run && run.status !== 'running') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    t.is(run?.status, 'failed', JSON.stringify(run));
    t.regex(run?.error ?? '', /timed out at .*; killed/);
    await api('DELETE', `/apply?kind=job&scope=${scope}&name=hang`);
    t.is(await stopDaemon(second), 0, second.output());
  } finally {
    const left = await docker.listContainers({ all: true, filters: { label: [`voodu.scope=${scope}`] } });
    await Promise.all(left.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  }
});

test.serial('kill -9 mid-cronjob-run: with Forbid, the next controller skips a forced run while the adopted one still runs', async (t) => {
  t.timeout(180_000);
  const { dockerClient, TEST_IMAGE } = await import('../helpers/docker.js');
  const docker = dockerClient();
  const scope = `forbid${process.pid}`;
  const first = startDaemon();
  await waitHealthy(first);
  const api = await tokenApi();
  const runs = async () => docker.listContainers({ filters: { label: [`voodu.scope=${scope}`, 'voodu.kind=cronjob'], status: ['running'] } });
  try {
    // Fires once a year: only the forced runs below happen.
    const cronjob = { kind: 'cronjob', scope, name: 'solo', spec: { schedule: '0 3 1 1 *', concurrency_policy: 'Forbid', job: { image: TEST_IMAGE, command: ['sleep', '3600'] } } };
    const applied = await api('POST', '/apply', [cronjob]);
    t.is(applied.status, 200, await applied.clone().text());
    void api('POST', `/cronjobs/run?scope=${scope}&name=solo`).catch(() => undefined); // answered only at the end: the controller dies first
    let started: Awaited<ReturnType<typeof runs>> = [];
    for (let i = 0; i < 100 && !(started = await runs()).length; i++) await new Promise((r) => setTimeout(r, 200));
    t.is(started.length, 1, 'the first run never started');

    // The crash: the controller and its etcd, both with SIGKILL. The run's container keeps going.
    first.proc.kill('SIGKILL');
    await first.exited;
    for (const pid of await etcdPidsUnder(root)) process.kill(pid, 'SIGKILL');
    const second = startDaemon();
    await waitHealthy(second, 60_000);

    // The new controller has nothing in memory; the stored run and its live container say a run is in flight.
    // A run that does start answers only when it ends (in an hour): give up long before.
    const forced = await api('POST', `/cronjobs/run?scope=${scope}&name=solo`, undefined, { signal: AbortSignal.timeout(20_000) }).catch((err: Error) => err);
    const body = forced instanceof Error ? { error: `no answer within 20 s (${forced.message}): a second run started` } : ((await forced.json()) as { skipped?: string });
    t.is(forced instanceof Error ? undefined : forced.status, 200, JSON.stringify(body));
    t.regex((body as { skipped?: string }).skipped ?? '', /Forbid/, JSON.stringify(body));
    const now = await runs();
    t.deepEqual(now.map((c) => c.Id), started.map((c) => c.Id), 'exactly the one run from before the crash is running');
    t.true(second.output().includes('skipped: concurrency_policy Forbid'), second.output());

    await api('DELETE', `/apply?kind=cronjob&scope=${scope}&name=solo`);
    t.is(await stopDaemon(second), 0, second.output());
  } finally {
    const left = await docker.listContainers({ all: true, filters: { label: [`voodu.scope=${scope}`] } });
    await Promise.all(left.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  }
});
