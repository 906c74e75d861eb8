/**
 * The runtime against the real Docker engine. Every container, volume and
 * network made here carries this file's run label and is removed in
 * `after.always`, failed tests included.
 */
import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger, Kernel } from '../../kernel/index.js';
import { ConflictError, NotFoundError, TransientError } from '../../lib/errors.js';
import type { ContainerSpec, RuntimeEvent } from '../../modules/runtime/contract.js';
import { DockerRuntime } from '../../modules/runtime/docker-runtime.js';
import { LineSplitter, toRuntimeEvent } from '../../modules/runtime/events.js';
import { parseEnvFile } from '../../modules/runtime/env-files.js';
import runtimeModule from '../../modules/runtime/index.js';
import { normalisePort, parsePortSpec } from '../../modules/runtime/ports.js';
import { toContainerStats } from '../../modules/runtime/stats.js';
import { cleanupDocker, dockerClient, requireDocker, TEST_IMAGE, testRunLabel, uniqueName } from '../helpers/docker.js';
import { freePort } from '../helpers/ports.js';

const docker = dockerClient();
const rt = new DockerRuntime();
const run = testRunLabel();
/** Networks ensureNetwork makes carry only createdby=voodu, so they are tracked by name. */
const networksByName: string[] = [];
let tmp = '';

/** Runs until stopped, and stops at once: busybox sh as PID 1 ignores SIGTERM unless trapped. */
const LOOP = ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 0.2; done'];

function spec(prefix: string, extra: Partial<ContainerSpec> = {}): ContainerSpec {
  return {
    name: uniqueName(`vt-${prefix}`),
    image: TEST_IMAGE,
    command: LOOP,
    ...extra,
    labels: { ...run.labels, ...extra.labels },
  };
}

/** Everything a stream says, as it arrives. */
function collect(stream: Readable): { text: string } {
  const box = { text: '' };
  stream.on('data', (c: Buffer) => (box.text += c.toString('utf8')));
  return box;
}

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(50);
  }
}

function stats(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const avg = values.reduce((a, b) => a + b, 0) / values.length;
  return { avg: Math.round(avg), p50: Math.round(sorted[Math.floor(sorted.length / 2)]!), max: Math.round(sorted.at(-1)!) };
}

test.before(async () => {
  await requireDocker(docker);
  await rt.ping();
  await rt.ensureNetwork();
  tmp = await mkdtemp(join(tmpdir(), 'voodu-rt-'));
});

test.after.always(async () => {
  rt.close();
  await cleanupDocker(run.filter, docker);
  // By id: if a race ever left two networks with one name, the name alone is ambiguous.
  const nets = await docker.listNetworks();
  for (const n of nets.filter((x) => networksByName.includes(x.Name))) {
    await docker.getNetwork(n.Id).remove().catch(() => undefined);
  }
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

// ---- pure pieces (no engine) ----

test('ports: loopback normalisation of addressless ports', (t) => {
  t.is(normalisePort('80'), '127.0.0.1::80');
  t.is(normalisePort('80/udp'), '127.0.0.1::80/udp');
  t.is(normalisePort('3000:80'), '127.0.0.1:3000:80');
  t.is(normalisePort('0.0.0.0:3000:80'), '0.0.0.0:3000:80');
  t.is(normalisePort('[::1]:3000:80'), '[::1]:3000:80');
  t.deepEqual(parsePortSpec('127.0.0.1::80/udp'), [{ containerPort: '80/udp', hostIp: '127.0.0.1', hostPort: '' }]);
  t.deepEqual(parsePortSpec('[::1]:3000:80'), [{ containerPort: '80/tcp', hostIp: '::1', hostPort: '3000' }]);
  t.deepEqual(parsePortSpec('127.0.0.1:8000-8001:80-81').map((b) => `${b.hostPort}->${b.containerPort}`), [
    '8000->80/tcp',
    '8001->81/tcp',
  ]);
  t.throws(() => parsePortSpec('127.0.0.1::http'), { message: /not a valid port/ });
  t.throws(() => parsePortSpec('nope:1:80'), { message: /not an IP address/ });
});

test('events: NDJSON split across and within chunks', (t) => {
  const lines: string[] = [];
  const s = new LineSplitter((l) => lines.push(l));
  const a = JSON.stringify({ Type: 'container', Action: 'exec_start: sh -c echo é', Actor: { ID: 'x', Attributes: { name: 'n', a: 'b' } } });
  const b = JSON.stringify({ Type: 'container', Action: 'die', Actor: { ID: 'y', Attributes: { exitCode: '3' } }, timeNano: 1.7e18 });
  const bytes = Buffer.from(`${a}\n${b}\n`);
  // Split inside the multi-byte é too.
  const cut = bytes.indexOf(Buffer.from('é')) + 1;
  s.push(bytes.subarray(0, cut));
  s.push(bytes.subarray(cut, cut + 5));
  s.push(bytes.subarray(cut + 5));
  s.end();
  t.deepEqual(lines, [a, b]);
  const ev = toRuntimeEvent(JSON.parse(lines[0]!))!;
  t.is(ev.action, 'exec_start');
  t.deepEqual(ev.labels, { a: 'b' });
  t.is(toRuntimeEvent(JSON.parse(lines[1]!))!.exitCode, 3);
});

test('env files: docker env-file rules', (t) => {
  t.deepEqual(parseEnvFile('# c\n\nA=1\n  B = x=y \r\nBARE\n'), [
    ['A', '1'],
    ['B', ' x=y '],
  ]);
});

test('stats: docker formula on a canned sample', (t) => {
  const s = toContainerStats({
    read: '2024-01-01T00:00:00Z',
    cpu_stats: { cpu_usage: { total_usage: 300 }, system_cpu_usage: 2000, online_cpus: 2 },
    precpu_stats: { cpu_usage: { total_usage: 100 }, system_cpu_usage: 1000 },
    memory_stats: { usage: 1000, limit: 5000, stats: { total_inactive_file: 300 } },
    pids_stats: { current: 3 },
  });
  t.is(s.pids, 3);
  t.is(toContainerStats({}).pids, 0, 'an engine that does not count processes');
  t.is(s.cpuPercent, 40);
  t.is(s.memoryBytes, 700);
  t.is(s.memoryLimitBytes, 5000);
});

// ---- against the engine ----

test.serial('create+start time of a full container (alias, volume, limits)', async (t) => {
  const volume = uniqueName('vt-bench');
  await rt.createVolume(volume, run.labels);
  const times: number[] = [];
  for (let i = 0; i < 10; i++) {
    const s = spec('timing', {
      aliases: [`timing-${i}.${run.value}`, `timing-${i}.${run.value}.voodu`],
      volumes: [`${volume}:/data`],
      cpus: 0.5,
      memoryBytes: 64 * 1024 * 1024,
      restart: 'unless-stopped',
      logs: { maxSize: '1m', maxFiles: 2 },
      env: { A: '1' },
    });
    const t0 = performance.now();
    const d = await rt.run(s);
    times.push(performance.now() - t0);
    t.true(d.running);
    await rt.remove(d.id, { force: true });
  }
  const s = stats(times);
  t.log(`run() create+start over ${times.length}: avg ${s.avg} ms, p50 ${s.p50} ms, max ${s.max} ms`);
  t.true(s.avg > 0);
});

test('two containers on voodu0: one resolves the other by its (lowercased) alias', async (t) => {
  const alias = `Web-${run.value}.Scope`;
  const a = await rt.run(spec('dns-a', { aliases: [alias, `${alias}.voodu`] }));
  const b = await rt.run(spec('dns-b'));
  const net = a.networks['voodu0'];
  t.truthy(net, 'on voodu0');
  t.true(net!.aliases.includes(alias.toLowerCase()));
  t.false(net!.aliases.includes(alias));
  const ns = await rt.exec(b.id, { cmd: ['nslookup', alias.toLowerCase(), '127.0.0.11'] });
  t.is(ns.exitCode, 0, ns.stdout + ns.stderr);
  t.regex(ns.stdout, new RegExp(`Address:\\s*${net!.ipAddress.replace(/\./g, '\\.')}`));
  const ping = await rt.exec(b.id, { cmd: ['ping', '-c1', '-W2', `${alias.toLowerCase()}.voodu`] });
  t.is(ping.exitCode, 0, ping.stdout + ping.stderr);
  // host.docker.internal is always added in bridge mode: the host's address on voodu0.
  const hosts = await rt.exec(b.id, { cmd: ['cat', '/etc/hosts'] });
  const gateway = (await rt.inspectNetwork())!.gateway!;
  t.regex(hosts.stdout, new RegExp(`${gateway.replace(/\./g, '\\.')}\\s+host\\.docker\\.internal`));
});

test('list by labels finds running and stopped containers', async (t) => {
  const kase = uniqueName('case');
  const running = await rt.run(spec('list-up', { labels: { 'voodu.case': kase, 'voodu.role': 'web' } }));
  const exited = await rt.run(spec('list-down', { command: ['true'], labels: { 'voodu.case': kase } }));
  t.is(await rt.wait(exited.id), 0);
  const all = await rt.list({ 'voodu.case': kase });
  t.deepEqual(all.map((c) => c.name).sort(), [running.name, exited.name].sort());
  t.deepEqual(all.map((c) => c.state).sort(), ['exited', 'running']);
  t.true(all.every((c) => c.labels['createdby'] === 'voodu' && c.labels[run.key] === run.value));
  t.regex(all.find((c) => c.state === 'exited')!.status, /^Exited \(0\)/);
  const onlyRunning = await rt.list({ 'voodu.case': kase }, { all: false });
  t.deepEqual(onlyRunning.map((c) => c.id), [running.id]);
  const withRole = await rt.list({ 'voodu.case': kase, 'voodu.role': true });
  t.deepEqual(withRole.map((c) => c.id), [running.id]);
});

test('logs: stdout and stderr demultiplexed; follow receives a later line', async (t) => {
  const script = [
    'echo out-1; echo err-1 >&2',
    'while [ ! -e /go ]; do sleep 0.1; done',
    'echo out-late; echo err-late >&2',
    'trap "exit 0" TERM; while :; do sleep 0.2; done',
  ].join('; ');
  const c = await rt.run(spec('logs', { command: ['sh', '-c', script] }));

  await until('first lines in the log', async () => {
    const l = await rt.logs(c.id);
    const out = collect(l.stdout);
    const err = collect(l.stderr);
    await l.done;
    return out.text.includes('out-1') && err.text.includes('err-1');
  });
  const once = await rt.logs(c.id);
  const out1 = collect(once.stdout);
  const err1 = collect(once.stderr);
  await once.done;
  t.is(out1.text, 'out-1\n');
  t.is(err1.text, 'err-1\n');

  const follow = await rt.logs(c.id, { follow: true, tail: 0 });
  const out = collect(follow.stdout);
  const err = collect(follow.stderr);
  const touched = await rt.exec(c.id, { cmd: ['touch', '/go'] });
  t.is(touched.exitCode, 0);
  await until('the later lines on the followed log', () => out.text.includes('out-late') && err.text.includes('err-late'));
  t.false(out.text.includes('err-late'));
  t.false(err.text.includes('out-late'));
  follow.close();
  await follow.done;

  const future = await rt.logs(c.id, { since: Math.floor(Date.now() / 1000) + 3600 });
  const futureOut = collect(future.stdout);
  await future.done;
  t.is(futureOut.text, '');
  const past = await rt.logs(c.id, { since: new Date(Date.now() - 3_600_000).toISOString() });
  const pastOut = collect(past.stdout);
  await past.done;
  t.is(pastOut.text, 'out-1\nout-late\n');

  // tail counts lines of both streams together: the last two are out-late and err-late.
  const stamped = await rt.logs(c.id, { timestamps: true, tail: 2 });
  const stampedOut = collect(stamped.stdout);
  const stampedErr = collect(stamped.stderr);
  await stamped.done;
  t.regex(stampedOut.text, /^\d{4}-\d\d-\d\dT\S+ out-late\n$/);
  t.regex(stampedErr.text, /^\d{4}-\d\d-\d\dT\S+ err-late\n$/);
});

test('logs of a tty container are not multiplexed', async (t) => {
  const c = await rt.run(spec('tty', { tty: true, command: ['sh', '-c', 'echo tty-out; echo tty-err >&2; trap "exit 0" TERM; while :; do sleep 0.2; done'] }));
  let text = '';
  await until('tty output', async () => {
    const l = await rt.logs(c.id);
    const out = collect(l.stdout);
    await l.done;
    text = out.text;
    return text.includes('tty-out') && text.includes('tty-err');
  });
  t.regex(text, /tty-out\r?\ntty-err/);
});

test('exec: exit code, separate streams, stdin delivered with EOF', async (t) => {
  const c = await rt.run(spec('exec'));
  const r = await rt.exec(c.id, { cmd: ['sh', '-c', 'echo to-out; echo to-err >&2; exit 7'] });
  t.is(r.exitCode, 7);
  t.is(r.stdout, 'to-out\n');
  t.is(r.stderr, 'to-err\n');
  const wc = await rt.exec(c.id, { cmd: ['wc', '-c'], stdin: '0123456789' });
  t.is(wc.exitCode, 0);
  t.is(wc.stdout.trim(), '10');
  const env = await rt.exec(c.id, { cmd: ['sh', '-c', 'echo "$X"; pwd'], env: { X: 'ex' }, workdir: '/bin' });
  t.is(env.stdout, 'ex\n/bin\n');

  const session = await rt.execSession(c.id, { cmd: ['sh', '-c', 'read line; echo "got $line"; exit 4'] });
  const out = collect(session.stream);
  session.stream.write('hello\n');
  t.is(await session.exitCode(), 4);
  t.regex(out.text, /got hello/);

  await t.throwsAsync(rt.exec('vt-no-such-container', { cmd: ['true'] }), { instanceOf: NotFoundError });
});

test('stats: numeric CPU% (busy loop > 0) and memory under the limit', async (t) => {
  const idle = await rt.run(spec('stats-idle', { memoryBytes: 32 * 1024 * 1024 }));
  const busy = await rt.run(spec('stats-busy', { command: ['sh', '-c', 'trap "exit 0" TERM; while :; do :; done'], cpus: 0.5 }));
  const [si, sb] = await Promise.all([rt.stats(idle.id), rt.stats(busy.id)]);
  t.log(`idle ${si.cpuPercent.toFixed(2)}% ${si.memoryBytes} B / ${si.memoryLimitBytes} B; busy ${sb.cpuPercent.toFixed(2)}% (cpus 0.5)`);
  t.true(Number.isFinite(si.cpuPercent) && si.cpuPercent >= 0);
  t.true(sb.cpuPercent > 0);
  t.true(sb.cpuPercent <= 100 * sb.onlineCpus);
  t.is(si.memoryLimitBytes, 32 * 1024 * 1024);
  t.true(si.memoryBytes > 0 && si.memoryBytes < si.memoryLimitBytes);
  t.true(si.onlineCpus >= 1);
  t.true(si.pids >= 1, `pids ${si.pids}`);
  t.false(Number.isNaN(Date.parse(si.readAt)));
});

test('volumes: created with labels, listed by label, mounted, removed (idempotent)', async (t) => {
  const name = uniqueName('vt-vol');
  const v = await rt.createVolume(name, { ...run.labels, 'voodu.claim': 'data', 'voodu.empty': '' });
  t.is(v.name, name);
  t.is(v.labels['createdby'], 'voodu');
  t.is(v.labels['voodu.claim'], 'data');
  t.false('voodu.empty' in v.labels);
  t.truthy(v.mountpoint);
  const listed = await rt.listVolumes({ [run.key]: run.value, 'voodu.claim': 'data' });
  t.deepEqual(listed.map((x) => x.name), [name]);
  t.deepEqual(await rt.listVolumes({ [run.key]: run.value, 'voodu.claim': 'other' }), []);

  const hostDir = await mkdtemp(join(tmp, 'bind-'));
  await writeFile(join(hostDir, 'hello'), 'from-host');
  const c = await rt.run(spec('vol', { volumes: [`${name}:/data`, `${hostDir}:/host:ro`, '/anon'] }));
  const byDest = Object.fromEntries(c.mounts.map((m) => [m.destination, m]));
  t.is(byDest['/data']?.type, 'volume');
  t.is(byDest['/data']?.name, name);
  t.is(byDest['/host']?.type, 'bind');
  t.is(byDest['/anon']?.type, 'volume');
  const read = await rt.exec(c.id, { cmd: ['sh', '-c', 'cat /host/hello && echo x > /data/f && cat /data/f'] });
  t.is(read.stdout, 'from-hostx\n');
  const ro = await rt.exec(c.id, { cmd: ['touch', '/host/nope'] });
  t.not(ro.exitCode, 0);

  await t.throwsAsync(rt.removeVolume(name), { instanceOf: ConflictError }, 'in use');
  await rt.remove(c.id, { force: true, volumes: true });
  await rt.removeVolume(name);
  t.deepEqual(await rt.listVolumes({ [run.key]: run.value, 'voodu.claim': 'data' }), []);
  await t.notThrowsAsync(rt.removeVolume(name));
});

test('env files then env: precedence visible in inspect().env', async (t) => {
  const f1 = join(tmp, 'one.env');
  const f2 = join(tmp, 'two.env');
  await writeFile(f1, '# comment\n\nA=from-one\nB=from-one\nURL=postgres://u:p@h/db?x=1\n');
  await writeFile(f2, 'B=from-two\nC=from-two\n');
  const c = await rt.run(
    spec('env', { envFiles: [f1, join(tmp, 'missing.env'), f2], env: { C: 'from-env', D: 'from-env' } }),
  );
  const env = Object.fromEntries(c.env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
  t.is(env['A'], 'from-one');
  t.is(env['B'], 'from-two');
  t.is(env['C'], 'from-env');
  t.is(env['D'], 'from-env');
  t.is(env['URL'], 'postgres://u:p@h/db?x=1');
  t.is(c.env.filter((e) => e.startsWith('B=')).length, 1, 'one value per key');
  const seen = await rt.exec(c.id, { cmd: ['sh', '-c', 'echo "$B $C"'] });
  t.is(seen.stdout, 'from-two from-env\n');
});

test('ports are published on 127.0.0.1 unless pinned', async (t) => {
  const pinned = await freePort();
  const c = await rt.run(
    spec('ports', {
      command: ['sh', '-c', 'mkdir -p /www && echo hi > /www/index.html && exec httpd -f -p 80 -h /www'],
      ports: ['80', `${pinned}:81`, '82/udp', '127.0.0.1::83'],
    }),
  );
  t.is(c.ports['80/tcp']?.[0]?.hostIp, '127.0.0.1');
  t.regex(c.ports['80/tcp']?.[0]?.hostPort ?? '', /^\d+$/);
  t.deepEqual(c.ports['81/tcp'], [{ hostIp: '127.0.0.1', hostPort: String(pinned) }]);
  t.is(c.ports['82/udp']?.[0]?.hostIp, '127.0.0.1');
  t.is(c.ports['83/tcp']?.[0]?.hostIp, '127.0.0.1');
  const hostPort = Number(c.ports['80/tcp']![0]!.hostPort);
  let body = '';
  await until('httpd behind the published port', async () => {
    body = await new Promise<string>((resolve) => {
      const req = request({ host: '127.0.0.1', port: hostPort, path: '/' }, (res) => {
        let b = '';
        res.on('data', (d: Buffer) => (b += d.toString()));
        res.on('end', () => resolve(b));
      });
      req.on('error', () => resolve(''));
      req.end();
    });
    return body.includes('hi');
  });
  t.is(body, 'hi\n');
});

test('host and none network modes: no aliases, ports or extra hosts', async (t) => {
  const c = await rt.run(spec('none', { networkMode: 'none', aliases: ['x'], ports: ['80'], extraHosts: ['a:1.2.3.4'] }));
  t.deepEqual(Object.keys(c.networks), ['none']);
  t.deepEqual(c.ports, {});
  const info = await docker.getContainer(c.id).inspect();
  t.is(info.HostConfig.NetworkMode, 'none');
  t.falsy(info.HostConfig.ExtraHosts);
  const h = await rt.run(spec('host', { networkMode: 'host', noStart: true }));
  t.deepEqual(Object.keys(h.networks), ['host']);
  t.is(h.state, 'created');
});

test('a missing image that cannot be pulled gives a clear error', async (t) => {
  // A registry on a closed loopback port: the pull fails at once and nothing leaves this machine.
  const image = '127.0.0.1:9/voodu-test/does-not-exist:never';
  const s = spec('noimage', { image });
  const err = await t.throwsAsync(rt.run(s));
  t.regex(err!.message, /127\.0\.0\.1:9\/voodu-test\/does-not-exist:never/);
  t.regex(err!.message, /not present locally/);
  t.regex(err!.message, /pull failed: .+/);
  t.log(err!.message);
  t.is(await rt.inspect(s.name), undefined);
});

test('a pull from a registry that accepts and never answers is given up after its stall deadline, as transient', async (t) => {
  // A loopback "registry" that takes the connection and says nothing: the engine waits on it for ever.
  const { createServer } = await import('node:net');
  const held: import('node:net').Socket[] = [];
  const registry = createServer((socket) => held.push(socket));
  const port = await freePort();
  await new Promise<void>((resolve) => registry.listen(port, '127.0.0.1', resolve));
  const stalling = new DockerRuntime({ pullStallMs: 1500 });
  try {
    const started = Date.now();
    const err = await t.throwsAsync(stalling.ensureImage(`127.0.0.1:${port}/voodu-test/stuck:1`));
    const took = Date.now() - started;
    t.log(`${took} ms: ${err!.message}`);
    t.true(err instanceof TransientError, 'a stuck pull should be retried later');
    t.regex(err!.message, /no progress for 1\.5 s/);
    t.true(took < 10_000, `took ${took} ms`);
    t.true(held.length >= 1, 'the engine never reached the fake registry: the test proves nothing');
  } finally {
    stalling.close();
    for (const s of held) s.destroy();
    registry.close();
  }
});

test('run() with a name in use: ConflictError naming it, nothing extra left', async (t) => {
  const kase = uniqueName('case');
  const first = await rt.run(spec('dup', { labels: { 'voodu.case': kase } }));
  const err = await t.throwsAsync(rt.run({ ...spec('dup', { labels: { 'voodu.case': kase } }), name: first.name }), {
    instanceOf: ConflictError,
  });
  t.true(err!.message.includes(`"${first.name}"`));
  t.true(err!.message.includes(first.id.slice(0, 12)));
  t.deepEqual((await rt.list({ 'voodu.case': kase })).map((c) => c.id), [first.id]);
});

test('a container that fails to start is removed', async (t) => {
  const s = spec('badstart', { command: ['/no/such/binary'] });
  await t.throwsAsync(rt.run(s), { message: /start container/ });
  t.is(await rt.inspect(s.name), undefined);
});

test('extra networks: same aliases everywhere; a failed connect removes the container', async (t) => {
  const extra = uniqueName('vt-net');
  await docker.createNetwork({ Name: extra, Driver: 'bridge', CheckDuplicate: true, Labels: { ...run.labels } });
  const alias = `multi.${run.value}`;
  const c = await rt.run(spec('multinet', { networks: [extra], aliases: [alias] }));
  t.deepEqual(Object.keys(c.networks).sort(), [extra, 'voodu0'].sort());
  t.true(c.networks[extra]!.aliases.includes(alias));
  t.true(c.networks['voodu0']!.aliases.includes(alias));

  const bad = spec('badnet', { networks: [extra, uniqueName('vt-missing-net')], aliases: [alias] });
  // The engine accepts the connect of a created container and fails its start instead; either way it must go.
  await t.throwsAsync(rt.run(bad), { instanceOf: NotFoundError, message: /network vt-missing-net-\w+ not found/ });
  t.is(await rt.inspect(bad.name), undefined);
});

test('ensureNetwork creates a labelled bridge once, even when racing', async (t) => {
  const name = uniqueName('vt-ensure');
  networksByName.push(name);
  // Separate runtimes stand for separate processes: they do not share the in-process dedupe.
  const racers = [rt, new DockerRuntime(), new DockerRuntime()];
  await Promise.all([...racers, ...racers].map((r) => r.ensureNetwork(name)));
  const nets = (await docker.listNetworks({ filters: { name: [name] } })).filter((n) => n.Name === name);
  t.is(nets.length, 1);
  t.is(nets[0]!.Driver, 'bridge');
  t.is(nets[0]!.Labels?.['createdby'], 'voodu');
  await t.notThrowsAsync(rt.ensureNetwork(name));
});

test('lifecycle: stop, wait, start, restart policy, remove (idempotent), typed errors', async (t) => {
  const c = await rt.run(spec('life', { restart: 'unless-stopped' }));
  const waited = rt.wait(c.id);
  const t0 = Date.now();
  await rt.stop(c.id, { timeoutSec: 10 });
  t.true(Date.now() - t0 < 5000, 'the TERM trap makes stop quick');
  t.is(await waited, 0);
  await t.notThrowsAsync(rt.stop(c.id));
  t.is((await rt.inspect(c.id))!.state, 'exited');
  await t.throwsAsync(rt.exec(c.id, { cmd: ['true'] }), { instanceOf: ConflictError, message: /not running/ });
  await rt.start(c.id);
  await rt.start(c.id);
  t.true((await rt.inspect(c.id))!.running);
  await rt.updateRestartPolicy(c.id, 'on-failure:2');
  const info = await docker.getContainer(c.id).inspect();
  t.deepEqual([info.HostConfig.RestartPolicy?.Name, info.HostConfig.RestartPolicy?.MaximumRetryCount], ['on-failure', 2]);
  await rt.remove(c.id, { force: true });
  await t.notThrowsAsync(rt.remove(c.id, { force: true }));
  t.is(await rt.inspect(c.id), undefined);
  await t.throwsAsync(rt.start(c.id), { instanceOf: NotFoundError });
  await t.throwsAsync(rt.stop(c.id), { instanceOf: NotFoundError });
  await t.throwsAsync(rt.wait(c.id), { instanceOf: NotFoundError });
});

test('engine options: init, limits, ulimits, caps, user, workdir, stop signal/timeout, log rotation', async (t) => {
  const c = await rt.run(
    spec('opts', {
      // With an init as PID 1, a plain `sleep` gets the TERM and stops at once.
      init: true,
      entrypoint: ['sleep'],
      command: ['3600'],
      cpus: 0.25,
      memoryBytes: 48 * 1024 * 1024,
      ulimits: { nofile: { soft: 1024, hard: 2048 }, nproc: 512 },
      capAdd: ['NET_ADMIN'],
      user: '1000:1000',
      workdir: '/bin',
      stopSignal: 'SIGINT',
      stopTimeoutSec: 7,
      logs: { maxSize: '2m', maxFiles: 3 },
      extraHosts: ['db.internal:10.1.2.3'],
      labels: { 'voodu.empty': '', createdby: 'someone-else' },
    }),
  );
  const info = await docker.getContainer(c.id).inspect();
  const hc = info.HostConfig;
  t.true(hc.Init);
  t.is(hc.NanoCpus, 250_000_000);
  t.is(hc.Memory, 48 * 1024 * 1024);
  t.deepEqual(hc.Ulimits, [
    { Name: 'nofile', Soft: 1024, Hard: 2048 },
    { Name: 'nproc', Soft: 512, Hard: 512 },
  ]);
  t.deepEqual(hc.CapAdd, ['NET_ADMIN']);
  // host.docker.internal is the host's address on voodu0, where the pod API listens.
  const gateway = (await rt.inspectNetwork())!.gateway!;
  t.deepEqual(hc.ExtraHosts, [`host.docker.internal:${gateway}`, 'db.internal:10.1.2.3']);
  t.deepEqual(hc.LogConfig, { Type: 'json-file', Config: { 'max-size': '2m', 'max-file': '3' } });
  t.is(info.Config.User, '1000:1000');
  t.is(info.Config.WorkingDir, '/bin');
  const config = info.Config as typeof info.Config & { StopSignal?: string; StopTimeout?: number };
  t.is(config.StopSignal, 'SIGINT');
  t.is(config.StopTimeout, 7);
  t.deepEqual(info.Config.Entrypoint, ['sleep']);
  t.deepEqual(info.Config.Cmd, ['3600']);
  t.is(c.labels['createdby'], 'voodu');
  t.false('voodu.empty' in c.labels);
  const id = await rt.exec(c.id, { cmd: ['id', '-u'] });
  t.is(id.stdout.trim(), '1000');
  const t0 = Date.now();
  await rt.stop(c.id);
  t.true(Date.now() - t0 < 5000, 'init forwards the stop signal');

  const plain = await rt.run(spec('noopts', { logs: { maxSize: '2m' }, noStart: true }));
  const plainInfo = await docker.getContainer(plain.id).inspect();
  t.not(plainInfo.HostConfig.LogConfig?.Config?.['max-size'], '2m', 'log options only when both halves are given');
});

test('events: create, start, die (with exit code) and destroy of a labelled container', async (t) => {
  const seen: RuntimeEvent[] = [];
  const errors: Error[] = [];
  const sub = await rt.events(
    (e) => seen.push(e),
    (e) => errors.push(e),
  );
  try {
    const c = await rt.run(spec('events', { command: ['sh', '-c', 'exit 3'] }));
    t.is(await rt.wait(c.id), 3);
    await rt.remove(c.id);
    const mine = () => seen.filter((e) => e.containerId === c.id);
    await until('destroy event', () => mine().some((e) => e.action === 'destroy'));
    const actions = mine().map((e) => e.action);
    for (const a of ['create', 'start', 'die', 'destroy']) t.true(actions.includes(a), `${a} in ${actions.join(',')}`);
    t.true(actions.indexOf('create') < actions.indexOf('start') && actions.indexOf('die') < actions.indexOf('destroy'));
    const die = mine().find((e) => e.action === 'die')!;
    t.is(die.exitCode, 3);
    t.is(die.name, c.name);
    t.is(die.labels[run.key], run.value);
    t.is(die.labels['createdby'], 'voodu');
    t.true(Math.abs(die.time - Date.now()) < 60_000, 'time is ms since epoch');
  } finally {
    sub.close();
  }
  t.deepEqual(errors, [], 'closing is not an error');
});

test('ping names the socket and the fix when the engine is not there', async (t) => {
  const dead = new DockerRuntime({ socketPath: join(tmp, 'no-docker.sock') });
  const err = await t.throwsAsync(dead.ping(), { instanceOf: TransientError });
  t.true(err!.message.includes(join(tmp, 'no-docker.sock')));
  t.regex(err!.message, /start dockerd/);
  t.regex(err!.message, /sudo bash scripts\/setup/);
  await t.throwsAsync(dead.list({}), { instanceOf: TransientError });
});

test('the runtime module provides the service and checks the engine at start', async (t) => {
  const quiet = createLogger({ level: 'error', sink: () => undefined });
  const k = new Kernel({ log: quiet });
  await k.boot([{ module: runtimeModule, options: {} }]);
  try {
    t.true(k.services.get('runtime', 'test') instanceof DockerRuntime);
  } finally {
    await k.shutdown();
  }
  const bad = new Kernel({ log: quiet });
  await t.throwsAsync(bad.boot([{ module: runtimeModule, options: { network: 'not a name' } }]), { message: /runtime\.network/ });
  const dead = new Kernel({ log: quiet });
  await t.throwsAsync(dead.boot([{ module: runtimeModule, options: { socketPath: join(tmp, 'gone.sock') } }]), {
    message: /module "runtime" failed to start: Docker engine not reachable/,
  });
});
