/**
 * The redis plugin's commands end to end, with real Docker, real Redis and
 * real sentinels (voodu-test/redis:7), through the CLI and the dispatch
 * route: link (a consumer container writes through REDIS_URL and reads
 * through REDIS_READ_URL; --reads gives one URL and is remembered),
 * new-password then apply, failover (roles swap, no key lost, consumers
 * follow), info (redacted, --show-password, -o json), cli (an exec_local
 * argv with no password in it, run for real), backup → FLUSHALL → restore
 * with and without sentinels and with AOF (the AOF replay does not undo the
 * restore), and a manual failover through the sentinels. Backup and restore
 * throughput of 100k keys is logged.
 */
import test from 'ava';
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { bootModules, type ModuleController } from '../helpers/controller.js';
import { runCli } from '../helpers/cli.js';
import { cleanupDocker, dockerClient, removeScopes, requireDocker, testRunLabel, uniqueName } from '../helpers/docker.js';
import { startEtcd, type TestEtcd } from '../helpers/etcd.js';
import { callApi } from '../helpers/http.js';
import { waitFor } from '../helpers/wait.js';

const run = promisify(execFile);
const PLUGIN = fileURLToPath(new URL('../../plugins/redis/', import.meta.url));
const IMAGE = 'voodu-test/redis:7';
const MODULES = ['paths', 'store', 'runtime', 'api', 'pod-api', 'config', 'assets', 'reconciler', 'apply', 'workload', 'deployment', 'statefulset', 'job', 'pods', 'probes', 'plugins'];
const S = uniqueName('rdc');
const RUN = testRunLabel();

let etcd: TestEtcd;
let ctl: ModuleController;
let work: string;

test.before(async () => {
  await requireDocker();
  await run('docker', ['image', 'inspect', IMAGE]).catch(() => {
    throw new Error(`${IMAGE} is missing: run bash scripts/build-test-images`);
  });
  etcd = await startEtcd();
  ctl = await bootModules(etcd.endpoint, MODULES, { statefulset: { readyTimeoutMs: 60_000 } });
  await cp(PLUGIN, join(ctl.root, 'plugins', 'redis'), { recursive: true });
  work = await mkdtemp(join(tmpdir(), 'voodu-redis-cmd-'));
});

test.after.always(async () => {
  // The controller first: a running reconciler would put back the pods removed here.
  await ctl?.stop();
  await cleanupDocker(RUN.filter);
  await removeScopes(S);
  const docker = dockerClient();
  const { Volumes } = await docker.listVolumes({ filters: { label: ['voodu.scope'] } });
  for (const v of Volumes ?? []) if (v.Labels?.['voodu.scope']?.startsWith(S)) await docker.getVolume(v.Name).remove({ force: true }).catch(() => undefined);
  await etcd?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

// ---------------------------------------------------------------- helpers

const logs = () => ctl.logs.slice(-40).join('\n');
const ref = (name: string) => `${S}/${name}`;
const block = (name: string, spec: Record<string, unknown> = {}) => ({ kind: 'redis', scope: S, name, spec: { image: IMAGE, ...spec } });
const consumer = (name: string) => ({ kind: 'deployment', scope: S, name, spec: { image: IMAGE, replicas: 1, command: ['sleep', '3600'] } });
const apply = (...manifests: unknown[]) => callApi(ctl, 'POST', '/apply', manifests);
const pod = (name: string, ord: number) => `${S}-${name}.${ord}`;
const vars = async (name: string): Promise<Record<string, string>> => (await callApi(ctl, 'GET', `/config?scope=${S}&name=${name}&merge=false`)).body.data?.vars ?? {};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cli = (args: string[]) => runCli(args, { target: ctl });
const dispatch = (command: string, args: string[]) => callApi(ctl, 'POST', `/plugin/redis/${command}`, { args });

/** redis-cli in a container, the password through REDISCLI_AUTH; stdout, or ERR(…). */
async function rcli(container: string, args: string[], password?: string, timeoutMs = 10_000): Promise<string> {
  try {
    const { stdout } = await run('docker', ['exec', ...(password ? ['-e', 'REDISCLI_AUTH'] : []), container, 'redis-cli', ...args], {
      timeout: timeoutMs,
      env: { ...process.env, ...(password ? { REDISCLI_AUTH: password } : {}) },
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout.trim();
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    return `ERR(${(e.stderr || e.stdout || e.message).trim()})`;
  }
}

/** A shell line in a consumer container (its env holds the URLs). */
async function inConsumer(container: string, script: string): Promise<string> {
  try {
    return (await run('docker', ['exec', container, 'sh', '-c', script], { timeout: 10_000 })).stdout.trim();
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    return `ERR(${(e.stderr || e.stdout || e.message).trim()})`;
  }
}

/** The running container of a deployment. */
async function consumerContainer(name: string): Promise<string | undefined> {
  const list = await dockerClient().listContainers({ filters: { label: [`voodu.scope=${S}`, `voodu.name=${name}`, 'voodu.kind=deployment'] } });
  return list.find((c) => c.State === 'running')?.Names[0]?.replace(/^\//, '');
}

async function envOf(container: string): Promise<Record<string, string>> {
  const info = await dockerClient().getContainer(container).inspect();
  return Object.fromEntries((info.Config.Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
}

const infoField = (info: string, field: string) => new RegExp(`^${field}:(.*)$`, 'm').exec(info)?.[1]?.trim();

async function roleOf(container: string, password: string) {
  const info = await rcli(container, ['info', 'replication'], password);
  return { role: infoField(info, 'role'), masterHost: infoField(info, 'master_host'), link: infoField(info, 'master_link_status') };
}

async function waitPods(name: string, replicas: number, password: string, timeoutMs = 150_000) {
  for (let n = 0; n < replicas; n++) {
    await waitFor(`${pod(name, n)} to answer PONG`, async () => (await rcli(pod(name, n), ['ping'], password)) === 'PONG', { timeoutMs, intervalMs: 500, context: logs });
  }
}

/** Every replica of `name` linked to the master at `master`. */
async function waitReplication(name: string, replicas: number, master: number, password: string) {
  for (let n = 0; n < replicas; n++) {
    if (n === master) continue;
    await waitFor(`${pod(name, n)} replicating from ordinal ${master}`, async () => {
      const r = await roleOf(pod(name, n), password);
      return r.role === 'slave' && r.masterHost === `${name}-${master}.${S}.voodu` && r.link === 'up';
    }, { timeoutMs: 60_000, intervalMs: 500, context: logs });
  }
}

/**
 * Every roll of `name` begun since log line `since` is over: the last "rolling" line is followed
 * by ordinal 0's "rolled" (the rolls go top-down) or a stopped rollout, and no new roll begins
 * for a few seconds — a config change made during a roll queues a second one right after it.
 */
async function waitRollsDone(name: string, since: number) {
  const app = `${S}-${name}`;
  const settled = () => {
    const lines = ctl.logs.slice(since);
    const last = lines.findLastIndex((l) => l.includes(`${app}: rolling `));
    return last < 0 || lines.slice(last).some((l) => l.includes(`rolled ${pod(name, 0)} (`) || l.includes(`${app}: rollout stopped`));
  };
  let quietSince = 0;
  await waitFor(`the rolls of ${name} to finish`, () => {
    if (!settled()) return (quietSince = 0), false;
    quietSince ||= Date.now();
    return Date.now() - quietSince >= 3000;
  }, { timeoutMs: 240_000, intervalMs: 500, context: logs });
}

async function password(name: string): Promise<string> {
  return (await waitFor(`the password of ${name}`, async () => (await vars(name)).REDIS_PASSWORD, { context: logs }))!;
}

/** The 100-byte value of key number `i`: hex digests, so RDB compression cannot shrink the measured sizes. */
const valueOf = (i: number) => `${createHash('sha256').update(`a${i}`).digest('hex')}${createHash('sha256').update(`b${i}`).digest('hex')}`.slice(0, 100);

/** `n` keys <prefix>:0…<prefix>:n-1 (100-byte values) written with redis-cli --pipe. */
async function populate(container: string, pw: string, n: number, prefix = 'key'): Promise<void> {
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const k = `${prefix}:${i}`;
    const v = valueOf(i);
    parts.push(`*3\r\n$3\r\nSET\r\n$${k.length}\r\n${k}\r\n$${v.length}\r\n${v}\r\n`);
  }
  await new Promise<void>((resolve, reject) => {
    const child = spawn('docker', ['exec', '-i', '-e', 'REDISCLI_AUTH', container, 'redis-cli', '--pipe'], { env: { ...process.env, REDISCLI_AUTH: pw }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 && /errors: 0, replies: \d+/.test(out) ? resolve() : reject(new Error(`redis-cli --pipe: ${out}`))));
    child.stdin.end(parts.join(''));
  });
}

const dbsize = async (container: string, pw: string) => Number(await rcli(container, ['dbsize'], pw));

/** Container id + start time: changes with a restart and with a recreation. */
async function startedAt(container: string): Promise<string> {
  const info = await dockerClient().getContainer(container).inspect();
  return `${info.Id}@${info.State.StartedAt}`;
}

// ---------------------------------------------------------------- link / info / cli

test.serial('link: a consumer writes through REDIS_URL (the master) and reads through REDIS_READ_URL; --reads gives one URL and is remembered', async (t) => {
  t.timeout(5 * 60_000);
  const r = await apply(block('cache', { replicas: 3 }), consumer('web'), consumer('dash'));
  t.is(r.status, 200, r.body.error);
  const pw = await password('cache');
  await waitPods('cache', 3, pw);
  await waitReplication('cache', 3, 0, pw);

  const linked = await cli(['redis:link', ref('cache'), ref('web')]);
  t.is(linked.code, 0, linked.stderr);
  t.regex(linked.stdout, new RegExp(`linked ${ref('cache')} → ${ref('web')} \\(REDIS_URL \\+ REDIS_READ_URL, master at ordinal 0\\)`));
  const reads = await cli(['redis:link', ref('cache'), ref('dash'), '--reads']);
  t.is(reads.code, 0, reads.stderr);
  t.regex(reads.stdout, /REDIS_URL, reads only/);

  const bucket = await vars('cache');
  t.is(bucket.REDIS_LINKED_CONSUMERS, `${ref('web')},${ref('dash')}`);
  t.is(bucket.REDIS_READS_CONSUMERS, ref('dash'));

  const web = await waitFor('web restarted with REDIS_URL', async () => {
    const c = await consumerContainer('web');
    return c && (await envOf(c)).REDIS_READ_URL ? c : undefined;
  }, { timeoutMs: 60_000, intervalMs: 500, context: logs });
  const env = await envOf(web!);
  t.is(env.REDIS_URL, `redis://default:${pw}@cache-0.${S}.voodu:6379`);
  t.is(env.REDIS_READ_URL, `redis://default:${pw}@cache.${S}.voodu:6379`);
  t.is(await inConsumer(web!, 'redis-cli -u "$REDIS_URL" set linked yes'), 'OK');
  await waitFor('the write read back through REDIS_READ_URL, from any pod', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) seen.add(await inConsumer(web!, 'redis-cli -u "$REDIS_READ_URL" get linked'));
    return seen.size === 1 && seen.has('yes');
  }, { timeoutMs: 10_000, intervalMs: 200 });
  t.regex(await inConsumer(web!, 'redis-cli -u "$REDIS_READ_URL" info replication | grep ^role'), /^role:(master|slave)/);

  const dash = await waitFor('dash restarted with its one URL', async () => {
    const c = await consumerContainer('dash');
    return c && (await envOf(c)).REDIS_URL ? c : undefined;
  }, { timeoutMs: 60_000, intervalMs: 500, context: logs });
  const denv = await envOf(dash!);
  t.is(denv.REDIS_URL, `redis://default:${pw}@cache.${S}.voodu:6379`);
  t.is(denv.REDIS_READ_URL, undefined);
  t.is(await inConsumer(dash!, 'redis-cli -u "$REDIS_URL" get linked'), 'yes');
});

test.serial('info: the password redacted unless --show-password; -o json (after the verb) gives the same facts', async (t) => {
  const pw = await password('cache');
  const text = await cli(['redis:info', ref('cache')]);
  t.is(text.code, 0, text.stderr);
  t.false(text.stdout.includes(pw), 'the password is on screen');
  t.regex(text.stdout, /password: +\*\*\*/);
  t.regex(text.stdout, new RegExp(`write url: +redis://default:\\*\\*\\*@cache-0\\.${S}\\.voodu:6379`));
  t.regex(text.stdout, new RegExp(`- ${ref('dash')} +REDIS_URL on every pod \\(--reads\\)`));

  const json = await cli(['redis:info', ref('cache'), '-o', 'json']);
  t.is(json.code, 0, json.stderr);
  const facts = JSON.parse(json.stdout);
  t.like(facts, { redis: ref('cache'), replicas: 3, master_ordinal: 0, password: '***', image: IMAGE });
  t.false(json.stdout.includes(pw));
  const shown = JSON.parse((await cli(['redis:info', ref('cache'), '--show-password', '-o', 'json'])).stdout);
  t.is(shown.password, pw);
  t.is(shown.urls.write, `redis://default:${pw}@cache-0.${S}.voodu:6379`);
});

test.serial('cli: an exec_local argv with no password in it, that opens redis-cli in the master (or --replica N) authenticated', async (t) => {
  const pw = await password('cache');
  const r = await dispatch('cli', [ref('cache'), '--', 'PING']);
  t.is(r.status, 200, r.body.error);
  const command: string[] = r.body.data.exec_local[0].command;
  t.false(command.join(' ').includes(pw), 'the password is in the argv');
  t.deepEqual(command.slice(1, 4), ['exec', '-i', pod('cache', 0)]);
  t.false(r.body.data.applied.join(' ').includes(pw));
  const { stdout } = await run(command[0]!, command.slice(1));
  t.is(stdout.trim(), 'PONG');

  const replica = (await dispatch('cli', [ref('cache'), '--replica', '2', '--', 'INFO', 'replication'])).body.data.exec_local[0].command as string[];
  t.is(replica[3], pod('cache', 2));
  t.regex((await run(replica[0]!, replica.slice(1))).stdout, /role:slave/);
  const interactive = (await dispatch('cli', [ref('cache')])).body.data.exec_local[0].command as string[];
  t.is(interactive[2], '-it', 'an interactive session gets a terminal');

  // Through the CLI: it runs the argv on this terminal and passes its exit code on.
  const viaCli = await cli(['redis:cli', ref('cache'), '--', 'SET', 'from-cli', '1']);
  t.is(viaCli.code, 0, viaCli.stderr);
  t.regex(viaCli.stdout, /redis-cli in .*cache\.0, the master \(ordinal 0\): SET from-cli 1 \(password from the pod, not on any command line\)/);
  t.is(await rcli(pod('cache', 0), ['get', 'from-cli'], pw), '1');
});

// ---------------------------------------------------------------- new-password / failover

test.serial('new-password then apply: the old password is refused, the new one works, consumers restarted with the new URL in their shape', async (t) => {
  t.timeout(5 * 60_000);
  const old = await password('cache');
  const webBefore = (await consumerContainer('web'))!;
  const dashBefore = (await consumerContainer('dash'))!;
  const mark = ctl.logs.length;
  const rotated = await cli(['redis:new-password', ref('cache')]);
  t.is(rotated.code, 0, rotated.stderr);
  t.regex(rotated.stdout, /rotated REDIS_PASSWORD .*refreshed 2 linked consumers/);
  const fresh = (await vars('cache')).REDIS_PASSWORD!;
  t.regex(fresh, /^[0-9a-f]{64}$/);
  t.not(fresh, old);

  const r = await apply(block('cache', { replicas: 3 }), consumer('web'), consumer('dash'));
  t.is(r.status, 200, r.body.error);
  await waitPods('cache', 3, fresh);
  t.regex(await rcli(pod('cache', 0), ['ping'], old), /WRONGPASS|NOAUTH|ERR/);
  await waitReplication('cache', 3, 0, fresh);

  const web = await waitFor('web restarted with the new URL', async () => {
    const c = await consumerContainer('web');
    return c && c !== webBefore && (await envOf(c)).REDIS_URL?.includes(fresh) ? c : undefined;
  }, { timeoutMs: 60_000, intervalMs: 500, context: logs });
  const env = await envOf(web!);
  t.is(env.REDIS_URL, `redis://default:${fresh}@cache-0.${S}.voodu:6379`);
  t.is(env.REDIS_READ_URL, `redis://default:${fresh}@cache.${S}.voodu:6379`);
  t.is(await inConsumer(web!, 'redis-cli -u "$REDIS_URL" get linked'), 'yes');
  const dash = await waitFor('dash restarted with the new URL', async () => {
    const c = await consumerContainer('dash');
    return c && c !== dashBefore && (await envOf(c)).REDIS_URL?.includes(fresh) ? c : undefined;
  }, { timeoutMs: 60_000, intervalMs: 500, context: logs });
  t.is((await envOf(dash!)).REDIS_URL, `redis://default:${fresh}@cache.${S}.voodu:6379`, '--reads remembered through the rotation');
  t.is((await envOf(dash!)).REDIS_READ_URL, undefined);
  // The apply rolled the pods with the new password: the next test starts on a settled set.
  await waitRollsDone('cache', mark);
});

test.serial('failover --replica 1: roles swap, no key lost, consumers follow in their shape', async (t) => {
  t.timeout(5 * 60_000);
  const pw = await password('cache');
  await populate(pod('cache', 0), pw, 2000, 'fo');
  const before = await dbsize(pod('cache', 0), pw);
  const mark = ctl.logs.length;
  const r = await cli(['redis:failover', ref('cache'), '--replica', '1']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /master ordinal 0 → 1 \(pod 1 promoted, the others follow it; the redis pods roll to start with it\)/);
  // Live right away, before the roll.
  t.is((await roleOf(pod('cache', 1), pw)).role, 'master');
  t.is((await vars('cache')).REDIS_MASTER_ORDINAL, '1');

  // The roll restarts every pod with the new master; afterwards the roles are the same.
  await waitRollsDone('cache', mark);
  await waitPods('cache', 3, pw);
  await waitFor('ordinal 1 master after the roll', async () => (await roleOf(pod('cache', 1), pw)).role === 'master', { timeoutMs: 30_000, intervalMs: 500 });
  await waitReplication('cache', 3, 1, pw);
  t.is(await dbsize(pod('cache', 1), pw), before, 'a key was lost');
  t.is(await rcli(pod('cache', 1), ['get', 'fo:1999'], pw), valueOf(1999));
  t.is(await waitFor('ordinal 0 resynced', async () => ((await dbsize(pod('cache', 0), pw)) === before ? before : undefined), { timeoutMs: 30_000, intervalMs: 500 }), before);

  const web = await waitFor('web on the new master', async () => {
    const c = await consumerContainer('web');
    return c && (await envOf(c)).REDIS_URL?.includes(`@cache-1.${S}.voodu`) ? c : undefined;
  }, { timeoutMs: 60_000, intervalMs: 500, context: logs });
  t.is(await inConsumer(web!, 'redis-cli -u "$REDIS_URL" set after-failover 1'), 'OK');
  const dash = (await consumerContainer('dash'))!;
  t.is((await envOf(dash)).REDIS_URL, `redis://default:${pw}@cache.${S}.voodu:6379`, 'the --reads consumer keeps its one URL');
  const info = JSON.parse((await cli(['redis:info', ref('cache'), '-o', 'json'])).stdout);
  t.is(info.master_ordinal, 1);
});

// ---------------------------------------------------------------- backup / restore

function parseBackup(message: string) {
  const m = /\((\d+) bytes, source=ordinal-(\d+)[^,]*, ([\d.]+) s/.exec(message);
  return m ? { bytes: Number(m[1]), source: Number(m[2]), seconds: Number(m[3]) } : undefined;
}

test.serial('backup → FLUSHALL → restore --yes: the keys are back in the master and every replica (100k keys, throughput logged)', async (t) => {
  t.timeout(5 * 60_000);
  const pw = await password('cache');
  await rcli(pod('cache', 1), ['flushall'], pw);
  await populate(pod('cache', 1), pw, 100_000);
  await waitFor('replicas caught up', async () => (await dbsize(pod('cache', 2), pw)) === 100_000, { timeoutMs: 30_000, intervalMs: 250 });
  const file = join(work, 'cache.rdb');
  const b = await cli(['redis:backup', ref('cache'), '--destination', file]);
  t.is(b.code, 0, b.stderr);
  const backup = parseBackup(b.stdout);
  t.truthy(backup, b.stdout);
  t.is(backup!.source, 2, 'the default source is the highest replica, not the master (ordinal 1)');
  t.is((await stat(file)).size, backup!.bytes);
  t.is((await stat(file)).mode & 0o777, 0o600);
  t.log(`backup of 100k keys: ${backup!.bytes} bytes in ${backup!.seconds} s (${(backup!.bytes / 1024 / 1024 / backup!.seconds).toFixed(1)} MiB/s)`);

  await rcli(pod('cache', 1), ['flushall'], pw);
  await rcli(pod('cache', 1), ['set', 'written-after-backup', '1'], pw);
  const refused = await cli(['redis:restore', ref('cache'), '--from', file]);
  t.is(refused.code, 1);
  t.regex(refused.stderr, /--yes: required — restore replaces every key of .*\/cache \(master ordinal 1, 3 pods\)/);
  t.is(await dbsize(pod('cache', 1), pw), 1, 'a refused restore changed something');

  const r = await cli(['redis:restore', ref('cache'), '--from', file, '--yes']);
  t.is(r.code, 0, `${r.stderr}\n${ctl.logs.filter((l) => !l.includes('GET /')).slice(-40).join('\n')}`);
  t.regex(r.stdout, /restored redis .*cache from .* into ordinal-1 .*: 100000 keys/);
  t.regex(r.stdout, /dump\.rdb saved from the restored data/);
  t.regex(r.stdout, new RegExp(`${pod('cache', 0).replace(/\./g, '\\.')}: in sync`));
  t.regex(r.stdout, new RegExp(`${pod('cache', 2).replace(/\./g, '\\.')}: in sync`));
  const m = /loaded in ([\d.]+) s, ([\d.]+) s in all/.exec(r.stdout)!;
  t.log(`restore of 100k keys (${backup!.bytes} bytes): master loaded in ${m[1]} s, ${m[2]} s with both replicas re-synced and dump.rdb saved`);
  for (const n of [0, 1, 2]) t.is(await dbsize(pod('cache', n), pw), 100_000, `ordinal ${n}`);
  t.is(await rcli(pod('cache', 0), ['get', 'key:99999'], pw), valueOf(99999));
  t.is(await rcli(pod('cache', 1), ['get', 'written-after-backup'], pw), '');
  t.is((await roleOf(pod('cache', 1), pw)).role, 'master', 'the master is the master again');
  t.is(await rcli(pod('cache', 1), ['set', 'writable', '1'], pw), 'OK');
  // Nothing left behind in the pod.
  t.is((await run('docker', ['exec', pod('cache', 1), 'sh', '-c', 'ls -a /data | grep voodu-restore || true'])).stdout.trim(), '');
});

test.serial('appendonly = true: backup, restore, then a restart of the master: the AOF replays the restored data, not the old one', async (t) => {
  t.timeout(5 * 60_000);
  // A password with characters a URL must encode: the URL info shows must work with redis-cli -u.
  const special = 'p@ss/w:rd#1?%';
  t.is((await callApi(ctl, 'POST', `/config?scope=${S}&name=aof&restart=false`, { REDIS_PASSWORD: special })).status, 200);
  const r = await apply(block('aof', { replicas: 2, appendonly: true }));
  t.is(r.status, 200, r.body.error);
  await waitPods('aof', 2, special);
  await waitReplication('aof', 2, 0, special);
  const url = JSON.parse((await cli(['redis:info', ref('aof'), '--show-password', '-o', 'json'])).stdout).urls.write as string;
  t.false(url.includes(special));
  t.is(await rcli(pod('aof', 1), ['-u', url, 'ping']), 'PONG', `${url} did not authenticate`);

  t.is(await rcli(pod('aof', 0), ['config', 'get', 'appendonly'], special), 'appendonly\nyes');
  await populate(pod('aof', 0), special, 5000, 'a');
  await waitFor('replica caught up', async () => (await dbsize(pod('aof', 1), special)) === 5000, { timeoutMs: 20_000, intervalMs: 250 });
  const file = join(work, 'aof.rdb');
  const b = await cli(['redis:backup', ref('aof'), '--destination', file]);
  t.is(b.code, 0, b.stderr);
  await rcli(pod('aof', 0), ['flushall'], special);
  await rcli(pod('aof', 0), ['set', 'after-backup', 'must-go'], special);
  await sleep(1500); // one fsync: the old data is in the AOF

  const restored = await cli(['redis:restore', ref('aof'), '--from', file, '--yes']);
  t.is(restored.code, 0, restored.stderr);
  t.regex(restored.stdout, /5000 keys/);
  t.regex(restored.stdout, /AOF rewritten from the restored data/);
  t.is(await dbsize(pod('aof', 0), special), 5000);
  await rcli(pod('aof', 0), ['set', 'after-restore', 'stays'], special);
  await sleep(1500);

  // Kill the master: voodu recreates it and Redis loads the AOF.
  const before = await startedAt(pod('aof', 0));
  await run('docker', ['kill', pod('aof', 0)]);
  await waitFor('the master back', async () => {
    const now = await startedAt(pod('aof', 0)).catch(() => undefined);
    return now && now !== before && (await rcli(pod('aof', 0), ['ping'], special)) === 'PONG';
  }, { timeoutMs: 120_000, intervalMs: 500, context: logs });
  t.is(await dbsize(pod('aof', 0), special), 5001);
  t.is(await rcli(pod('aof', 0), ['get', 'a:4999'], special), valueOf(4999));
  t.is(await rcli(pod('aof', 0), ['get', 'after-backup'], special), '', 'the AOF replayed what the restore replaced');
  t.is(await rcli(pod('aof', 0), ['get', 'after-restore'], special), 'stays');
});

test.serial('with sentinels: restore pauses their failover, restores, resumes — no failover happens; a manual failover goes through them', async (t) => {
  t.timeout(6 * 60_000);
  const r = await apply(block('ha', { replicas: 3 }), block('ha-q', { sentinel: { monitor: `${S}/ha` } }));
  t.is(r.status, 200, r.body.error);
  const pw = await password('ha');
  await waitPods('ha', 3, pw);
  const sentinel = (n: number, ...args: string[]) => rcli(pod('ha-q', n), ['-p', '26379', ...args]);
  const masterFields = async (n: number) => {
    const m = (await sentinel(n, 'sentinel', 'master', 'voodu-master')).split('\n');
    return (k: string) => m[m.indexOf(k) + 1];
  };
  for (const n of [0, 1, 2]) {
    await waitFor(`sentinel ${n} to see 2 replicas and 2 other sentinels`, async () => {
      const f = await masterFields(n);
      return f('num-slaves') === '2' && f('num-other-sentinels') === '2' && f('flags') === 'master';
    }, { timeoutMs: 120_000, intervalMs: 500, context: logs });
  }
  const epoch = (await masterFields(0))('config-epoch');
  await populate(pod('ha', 0), pw, 20_000, 'h');
  await waitFor('replicas caught up', async () => (await dbsize(pod('ha', 2), pw)) === 20_000, { timeoutMs: 20_000, intervalMs: 250 });
  const file = join(work, 'ha.rdb');
  t.is((await cli(['redis:backup', ref('ha'), '--destination', file])).code, 0);
  await rcli(pod('ha', 0), ['flushall'], pw);

  const refused = await cli(['redis:restore', ref('ha'), '--from', file]);
  t.regex(refused.stderr, new RegExp(`pausing the failover of sentinels ${ref('ha-q')} meanwhile`));
  const restored = await cli(['redis:restore', ref('ha'), '--from', file, '--yes']);
  t.is(restored.code, 0, restored.stderr);
  t.regex(restored.stdout, /20000 keys/);
  t.regex(restored.stdout, /sentinel failover paused during the restore and resumed on .*ha-q\.0, .*ha-q\.1, .*ha-q\.2/);
  for (const n of [0, 1, 2]) t.is(await dbsize(pod('ha', n), pw), 20_000, `ordinal ${n}`);
  for (const n of [0, 1, 2]) {
    const f = await masterFields(n);
    t.is(f('down-after-milliseconds'), '5000', `sentinel ${n} resumed`);
    t.is(f('config-epoch'), epoch, `sentinel ${n} saw a failover`);
  }
  // Give the sentinels the time they would need to fail over if they wanted to.
  await sleep(8000);
  t.is(await sentinel(1, 'sentinel', 'get-master-addr-by-name', 'voodu-master'), `ha-0.${S}.voodu\n6379`);
  t.is((await roleOf(pod('ha', 0), pw)).role, 'master');

  // A manual failover asks the sentinels, so they agree with it instead of undoing it.
  const fo = await cli(['redis:failover', ref('ha'), '--replica', '2']);
  t.is(fo.code, 0, fo.stderr);
  t.regex(fo.stdout, /master ordinal 0 → 2 \(the sentinels promoted pod 2\)/);
  t.is((await roleOf(pod('ha', 2), pw)).role, 'master');
  for (const n of [0, 1, 2]) {
    await waitFor(`sentinel ${n} to name ordinal 2`, async () => (await sentinel(n, 'sentinel', 'get-master-addr-by-name', 'voodu-master')) === `ha-2.${S}.voodu\n6379`, { timeoutMs: 20_000, intervalMs: 250 });
  }
  t.is((await vars('ha')).REDIS_MASTER_ORDINAL, '2');
  await waitReplication('ha', 3, 2, pw);
  t.is(await dbsize(pod('ha', 2), pw), 20_000);
  for (const n of [0, 1]) t.is(await rcli(pod('ha', n), ['config', 'get', 'replica-priority'], pw), 'replica-priority\n100', `priority of ordinal ${n} restored`);
});
