/**
 * The redis plugin's commands on the controller side (plain JS, run as
 * shipped through lib/main.js): flag parsing, the linked-consumer records
 * and the remembered --reads shape, the actions link / unlink /
 * new-password / failover answer, info's redaction and JSON, the backup
 * source choice, and the refusals that name the flag, the resource and the
 * fix. A small HTTP server stands in for the controller, at a capability
 * URL with a path, so every call goes through `controller_url + "/…"`.
 * What needs real pods (backup, restore, cli, a live failover) is the e2e
 * test's.
 */
import test from 'ava';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeController, type FakeController } from '../helpers/fake-controller.js';
import { main } from '../../plugins/redis/lib/main.js';
import { parseFlags } from '../../plugins/redis/lib/sdk/flags.js';
import { LINKED_KEY, READS_KEY, addToList, linkedConsumers, parseList, removeFromList, trackingActions } from '../../plugins/redis/lib/consumers.js';
import { backupCandidates, pickBackupSource } from '../../plugins/redis/lib/commands/backup.js';
import { containerName } from '../../plugins/redis/lib/ref.js';
import { AUTH_SCRIPT, authedCliArgv, errorReply, parseInfo, parsePairs } from '../../plugins/redis/lib/rediscli.js';
import { keyCount } from '../../plugins/redis/lib/seed.js';
import { partialFile } from '../../plugins/redis/lib/rdb.js';
import { readdir, readFile, stat } from 'node:fs/promises';
import { writeSync } from 'node:fs';

// ---------------------------------------------------------------- a fake controller

let fake: FakeController;
let work: string;

test.before(async () => {
  work = await mkdtemp(join(tmpdir(), 'voodu-redis-unit-'));
  fake = await startFakeController();
});

test.after.always(async () => {
  await fake?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

test.beforeEach(() => fake.reset());

const PW = 'p@ss/word:#1';
const redis = (replicas: number, extra: Record<string, unknown> = {}) => ({ image: 'redis:7-alpine', replicas, ports: ['6379'], volume_claims: [{ name: 'data', mount_path: '/data' }], ...extra });

/** Runs one command as the controller would; answers {code, data | error}. */
async function call(command: string, args: string[], stdin?: string) {
  let out = '';
  let err = '';
  let code = 0;
  await main([command, ...args], { PATH: process.env.PATH }, {
    stdin: async () => stdin ?? JSON.stringify({ plugin: 'redis', command, controller_url: fake.url, plugin_dir: '/tmp', node_name: 'voodu-0' }),
    out: (s) => (out += s),
    err: (s) => (err += s),
    exit: (c) => (code = c),
  });
  if (code !== 0) {
    t_assertEnvelope(err);
    return { code, error: JSON.parse(err).error as string, data: undefined as any, out };
  }
  const parsed = out.trim().startsWith('{') ? JSON.parse(out) : undefined;
  return { code, data: parsed?.data, error: undefined as string | undefined, out };
}

function t_assertEnvelope(err: string) {
  const e = JSON.parse(err);
  if (e.status !== 'error' || typeof e.error !== 'string') throw new Error(`not an error envelope: ${err}`);
}

// ---------------------------------------------------------------- flags

test.serial('flags: space and = forms, in any order around the positionals', (t) => {
  const spec = { value: ['--destination'], int: ['--source'] };
  for (const args of [
    ['prod/cache', '--destination', '/b.rdb', '--source', '2'],
    ['--source=2', 'prod/cache', '--destination=/b.rdb'],
    ['--destination', '/b.rdb', '--source=2', 'prod/cache'],
  ]) {
    const p = parseFlags(args, spec);
    t.deepEqual(p.positional, ['prod/cache'], args.join(' '));
    t.is(p.flags['--destination'], '/b.rdb');
    t.is(p.flags['--source'], 2);
    t.deepEqual(p.problems, []);
  }
  const f = parseFlags(['--no-restart', 'prod/cache', '--replica', '0'], { int: ['--replica'], bool: ['--no-restart'] });
  t.is(f.flags['--replica'], 0, '0 is a valid ordinal');
  t.true(f.flags['--no-restart']);
});

test.serial('flags: dangling and non-numeric values are left unset and named as problems', (t) => {
  const spec = { value: ['--destination'], int: ['--replica', '--source'] };
  const dangling = parseFlags(['prod/cache', '--replica'], spec);
  t.is(dangling.flags['--replica'], undefined);
  t.regex(dangling.problems[0]!, /--replica: needs a value, e\.g\. --replica 1/);
  const followed = parseFlags(['--destination', '--source', '1', 'prod/cache'], spec);
  t.is(followed.flags['--destination'], undefined, 'a flag is not the value of the one before');
  t.is(followed.flags['--source'], 1);
  const words = parseFlags(['--replica', 'one', 'prod/cache'], spec);
  t.is(words.flags['--replica'], undefined);
  t.deepEqual(words.positional, ['prod/cache'], 'the bad value is consumed, not taken for a positional');
  t.regex(words.problems[0]!, /"one" is not an ordinal/);
  t.regex(parseFlags(['--replica=-1'], spec).problems[0]!, /"-1" is not an ordinal/);
  t.regex(parseFlags(['--destination='], spec).problems[0]!, /needs a value/);
});

test.serial('flags: an unknown flag is refused (the legacy --to does not leak into the positionals), -- keeps the rest verbatim', (t) => {
  const p = parseFlags(['prod/cache', '--to', '1'], { int: ['--replica'] });
  t.regex(p.problems[0]!, /--to: unknown flag \(this command takes --replica\)/);
  t.deepEqual(p.positional, ['prod/cache', '1']);
  const r = parseFlags(['prod/cache', '--replica', '2', '--', 'INFO', '--replica', '-n', '3'], { int: ['--replica'], rest: true });
  t.deepEqual(r.rest, ['INFO', '--replica', '-n', '3']);
  t.is(r.flags['--replica'], 2);
  const o = parseFlags(['-o', 'json', 'x', '--show-password', '-o=text'], { bool: ['--show-password'], value: ['--output'], alias: { '-o': '--output' } });
  t.is(o.flags['--output'], 'text', 'the last one wins');
  t.true(o.flags['--show-password']);
  t.regex(parseFlags(['--reads=yes'], { bool: ['--reads'] }).problems[0]!, /takes no value/);
});

// ---------------------------------------------------------------- consumer records

test.serial('linked consumers: parse trims and drops empty entries; add is idempotent; remove of the last gives ""', (t) => {
  t.deepEqual(parseList(' prod/web , ,prod/dash,,'), ['prod/web', 'prod/dash']);
  t.deepEqual(parseList(undefined), []);
  t.is(addToList('', 'prod/web'), 'prod/web');
  t.is(addToList('prod/web', 'prod/dash'), 'prod/web,prod/dash');
  t.is(addToList('prod/web,prod/dash', 'prod/web'), 'prod/web,prod/dash');
  t.is(removeFromList('prod/web,prod/dash', 'prod/web'), 'prod/dash');
  t.is(removeFromList('prod/dash', 'prod/web'), 'prod/dash');
  t.is(removeFromList('prod/dash', 'prod/dash'), '');
});

test.serial('--reads is remembered next to the reference list, and each consumer reads back with its shape', (t) => {
  const config = { [LINKED_KEY]: 'prod/web,prod/dash,bad/ref/x', [READS_KEY]: 'prod/dash' };
  t.deepEqual(linkedConsumers(config), [
    { ref: 'prod/web', scope: 'prod', name: 'web', readsOnly: false },
    { ref: 'prod/dash', scope: 'prod', name: 'dash', readsOnly: true },
  ]);
  const link = trackingActions('prod', 'cache', {}, 'prod/dash', { link: true, readsOnly: true });
  t.deepEqual(link, [{ type: 'config_set', scope: 'prod', name: 'cache', kv: { [LINKED_KEY]: 'prod/dash', [READS_KEY]: 'prod/dash' }, skip_restart: true }]);
  t.deepEqual(trackingActions('prod', 'cache', { [LINKED_KEY]: 'prod/dash', [READS_KEY]: 'prod/dash' }, 'prod/dash', { link: true, readsOnly: true }), [], 'linking again the same way writes nothing');
  const reshaped = trackingActions('prod', 'cache', { [LINKED_KEY]: 'prod/dash', [READS_KEY]: 'prod/dash' }, 'prod/dash', { link: true, readsOnly: false });
  t.deepEqual(reshaped, [{ type: 'config_unset', scope: 'prod', name: 'cache', keys: [READS_KEY], skip_restart: true }]);
  const unlink = trackingActions('prod', 'cache', { [LINKED_KEY]: 'prod/web,prod/dash', [READS_KEY]: 'prod/dash' }, 'prod/dash', { link: false });
  t.deepEqual(unlink, [
    { type: 'config_set', scope: 'prod', name: 'cache', kv: { [LINKED_KEY]: 'prod/web' }, skip_restart: true },
    { type: 'config_unset', scope: 'prod', name: 'cache', keys: [READS_KEY], skip_restart: true },
  ]);
  t.deepEqual(trackingActions('prod', 'cache', { [LINKED_KEY]: 'prod/web' }, 'prod/web', { link: false }), [
    { type: 'config_unset', scope: 'prod', name: 'cache', keys: [LINKED_KEY], skip_restart: true },
  ]);
});

// ---------------------------------------------------------------- pure helpers of the pod commands

test.serial('backup source: the highest replica, one lower when it is the master; the asked one wins', (t) => {
  t.is(pickBackupSource(1, 0), 0);
  t.is(pickBackupSource(3, 0), 2);
  t.is(pickBackupSource(3, 2), 1);
  t.is(pickBackupSource(5, 0), 4);
  t.is(pickBackupSource(3, 0, 0), 0);
  t.deepEqual(backupCandidates(3, 0), [2, 1, 0], 'replicas from the top, the master last');
  t.deepEqual(backupCandidates(3, 2), [1, 0, 2]);
  t.deepEqual(backupCandidates(1, 0), [0]);
});

test.serial('container names: <scope>-<name>.<ordinal>, <name>.<ordinal> unscoped', (t) => {
  t.is(containerName('clowk-lp', 'redis', 0), 'clowk-lp-redis.0');
  t.is(containerName('', 'postgres', 1), 'postgres.1');
});

test.serial('redis-cli in a pod: the password is read inside the pod, never in the argv; replies and INFO parse', (t) => {
  const argv = authedCliArgv(['--rdb', '-']);
  t.deepEqual(argv.slice(0, 2), ['sh', '-c']);
  t.is(argv[2], AUTH_SCRIPT);
  t.deepEqual(argv.slice(3), ['voodu-redis', '/etc/redis/redis.conf', '--rdb', '-']);
  t.regex(AUTH_SCRIPT, /REDISCLI_AUTH=\$pw; export REDISCLI_AUTH/);
  t.notRegex(AUTH_SCRIPT, /-a /, 'no -a <password>');
  t.is(errorReply('NOAUTH Authentication required.\n'), 'NOAUTH Authentication required.');
  t.is(errorReply('PONG\n'), undefined);
  t.is(errorReply('# Replication\r\nrole:master\r\n'), undefined);
  t.deepEqual(parseInfo('# Replication\r\nrole:slave\r\nmaster_host:c-0.p.voodu\r\n\r\n'), { role: 'slave', master_host: 'c-0.p.voodu' });
  t.deepEqual(parsePairs('dir\n/data\nappendonly\nno\n'), { dir: '/data', appendonly: 'no' });
  t.is(keyCount({ db0: 'keys=10,expires=0,avg_ttl=0', db3: 'keys=5,expires=1,avg_ttl=9' }), 15);
});

test.serial('a backup file appears under its name only complete and checked, mode 0600', async (t) => {
  const dest = join(work, 'b.rdb');
  const bad = partialFile(dest);
  writeSync(bad.fd, 'AUTH failed');
  t.like(await bad.commit(), { ok: false });
  const good = partialFile(dest);
  writeSync(good.fd, 'REDIS0010 rest of the snapshot');
  t.like(await good.commit(), { ok: true, size: 30 });
  t.is(await readFile(dest, 'latin1'), 'REDIS0010 rest of the snapshot');
  t.is((await stat(dest)).mode & 0o777, 0o600);
  const cut = partialFile(dest);
  writeSync(cut.fd, 'REDIS0010 half');
  await cut.abort();
  t.is(await readFile(dest, 'latin1'), 'REDIS0010 rest of the snapshot', 'an aborted backup left the old file alone');
  t.deepEqual((await readdir(work)).filter((f) => f.includes('.partial-')), []);
});

// ---------------------------------------------------------------- link / unlink

test.serial('link, one pod: REDIS_URL on the shared name, the consumer recorded without a restart of redis', async (t) => {
  fake.specs['prod/cache'] = redis(1);
  fake.buckets['prod/cache'] = { REDIS_PASSWORD: PW };
  const r = await call('link', ['prod/cache', 'prod/web']);
  t.is(r.code, 0, r.error);
  t.deepEqual(r.data.actions, [
    { type: 'config_set', scope: 'prod', name: 'web', kv: { REDIS_URL: 'redis://default:p%40ss%2Fword%3A%231@cache.prod.voodu:6379' } },
    { type: 'config_set', scope: 'prod', name: 'cache', kv: { REDIS_LINKED_CONSUMERS: 'prod/web' }, skip_restart: true },
  ]);
  t.is(r.data.message, 'linked prod/cache → prod/web (REDIS_URL, single pod)');
  t.true(fake.requests.some((q) => q.startsWith('GET /describe?kind=statefulset&scope=prod&name=cache')), fake.requests.join('\n'));
});

test.serial('link, three pods: master + read URL naming the live master ordinal; --reads one URL and remembered; flags anywhere', async (t) => {
  fake.specs['prod/cache'] = redis(3);
  fake.buckets['prod/cache'] = { REDIS_PASSWORD: 'pw', REDIS_MASTER_ORDINAL: '1' };
  const writer = await call('link', ['prod/cache', 'prod/web']);
  t.deepEqual(writer.data.actions[0].kv, { REDIS_URL: 'redis://default:pw@cache-1.prod.voodu:6379', REDIS_READ_URL: 'redis://default:pw@cache.prod.voodu:6379' });
  t.is(writer.data.message, 'linked prod/cache → prod/web (REDIS_URL + REDIS_READ_URL, master at ordinal 1)');

  fake.buckets['prod/cache'] = { ...fake.buckets['prod/cache'], REDIS_LINKED_CONSUMERS: 'prod/web' };
  fake.buckets['prod/dash'] = { REDIS_URL: 'x', REDIS_READ_URL: 'y' };
  const reads = await call('link', ['prod/cache', '--reads', 'prod/dash']);
  t.is(reads.code, 0, reads.error);
  t.deepEqual(reads.data.actions, [
    { type: 'config_unset', scope: 'prod', name: 'dash', keys: ['REDIS_READ_URL'], skip_restart: true },
    { type: 'config_set', scope: 'prod', name: 'dash', kv: { REDIS_URL: 'redis://default:pw@cache.prod.voodu:6379' } },
    { type: 'config_set', scope: 'prod', name: 'cache', kv: { REDIS_LINKED_CONSUMERS: 'prod/web,prod/dash', REDIS_READS_CONSUMERS: 'prod/dash' }, skip_restart: true },
  ]);
  t.regex(reads.data.message, /REDIS_URL, reads only; removed REDIS_READ_URL/);
});

test.serial('link through a sentinel resource: URLs of the watched redis, discovery keys with --sentinel, the record on the watched redis', async (t) => {
  fake.specs['prod/cache'] = redis(3);
  fake.buckets['prod/cache'] = { REDIS_PASSWORD: 'pw' };
  fake.specs['prod/cache-quorum'] = { replicas: 3, env: { VOODU_MONITOR_SCOPE: 'prod', VOODU_MONITOR_NAME: 'cache', VOODU_REDIS_REPLICAS: '3' } };
  const r = await call('link', ['--sentinel', 'prod/cache-quorum', 'prod/web']);
  t.is(r.code, 0, r.error);
  t.deepEqual(r.data.actions[0].kv, {
    REDIS_URL: 'redis://default:pw@cache-0.prod.voodu:6379',
    REDIS_READ_URL: 'redis://default:pw@cache.prod.voodu:6379',
    REDIS_SENTINEL_HOSTS: 'cache-quorum-0.prod.voodu:26379,cache-quorum-1.prod.voodu:26379,cache-quorum-2.prod.voodu:26379',
    REDIS_MASTER_NAME: 'voodu-master',
  });
  t.like(r.data.actions[1], { type: 'config_set', scope: 'prod', name: 'cache', kv: { REDIS_LINKED_CONSUMERS: 'prod/web' } });
  const refused = await call('link', ['--sentinel', 'prod/cache', 'prod/web']);
  t.is(refused.code, 1);
  t.regex(refused.error!, /^--sentinel: provider prod\/cache is a data redis, not a sentinel resource; .*drop --sentinel/);
});

test.serial('link refusals name the argument and the fix', async (t) => {
  fake.specs['prod/cache'] = redis(1);
  t.regex((await call('link', ['prod/cache'])).error!, /missing argument\nusage: voodu redis:link/);
  t.regex((await call('link', ['prod/cache', 'web'])).error!, /^consumer "web": needs its scope, as <scope>\/<name> \(e\.g\. prod\/web\)/);
  t.regex((await call('link', ['prod/nope', 'prod/web'])).error!, /^provider prod\/nope: not found \(no statefulset prod\/nope is applied\)/);
  t.regex((await call('link', ['prod/cache', 'prod/cache'])).error!, /is the provider itself/);
  t.regex((await call('link', ['prod/cache', 'prod/web'], '')).error!, /no controller URL/);
});

test.serial('unlink clears every key a link wrote and the records, on the watched redis for a sentinel provider', async (t) => {
  fake.specs['prod/cache'] = redis(3);
  fake.buckets['prod/cache'] = { REDIS_LINKED_CONSUMERS: 'prod/web,prod/dash', REDIS_READS_CONSUMERS: 'prod/dash' };
  fake.specs['prod/q'] = { replicas: 3, env: { VOODU_MONITOR_SCOPE: 'prod', VOODU_MONITOR_NAME: 'cache' } };
  const r = await call('unlink', ['prod/q', 'prod/dash']);
  t.is(r.code, 0, r.error);
  t.deepEqual(r.data.actions, [
    { type: 'config_unset', scope: 'prod', name: 'dash', keys: ['REDIS_URL', 'REDIS_READ_URL', 'REDIS_SENTINEL_HOSTS', 'REDIS_MASTER_NAME'] },
    { type: 'config_set', scope: 'prod', name: 'cache', kv: { REDIS_LINKED_CONSUMERS: 'prod/web' }, skip_restart: true },
    { type: 'config_unset', scope: 'prod', name: 'cache', keys: ['REDIS_READS_CONSUMERS'], skip_restart: true },
  ]);
  const gone = await call('unlink', ['prod/deleted', 'prod/web']);
  t.is(gone.code, 0, 'a provider already deleted still lets the consumer be cleared');
  t.deepEqual(gone.data.actions[0].keys, ['REDIS_URL', 'REDIS_READ_URL', 'REDIS_SENTINEL_HOSTS', 'REDIS_MASTER_NAME']);
});

// ---------------------------------------------------------------- new-password / failover keep each consumer's shape

test.serial('new-password: a fresh 64-hex password, no redis restart, every consumer rebuilt in its remembered shape', async (t) => {
  // Linked while the redis had one pod; three now: the writer gets the master URL, the reader keeps one URL.
  fake.specs['prod/cache'] = redis(3);
  fake.buckets['prod/cache'] = { REDIS_PASSWORD: 'old', REDIS_MASTER_ORDINAL: '2', REDIS_LINKED_CONSUMERS: 'prod/web,prod/dash', REDIS_READS_CONSUMERS: 'prod/dash' };
  fake.buckets['prod/web'] = { REDIS_URL: 'redis://default:old@cache.prod.voodu:6379' };
  fake.buckets['prod/dash'] = { REDIS_URL: 'redis://default:old@cache.prod.voodu:6379' };
  const r = await call('new-password', ['prod/cache']);
  t.is(r.code, 0, r.error);
  const [pw, web, dash] = r.data.actions;
  t.regex(pw.kv.REDIS_PASSWORD, /^[0-9a-f]{64}$/);
  t.true(pw.skip_restart);
  const p = pw.kv.REDIS_PASSWORD;
  t.deepEqual(web, { type: 'config_set', scope: 'prod', name: 'web', kv: { REDIS_URL: `redis://default:${p}@cache-2.prod.voodu:6379`, REDIS_READ_URL: `redis://default:${p}@cache.prod.voodu:6379` } });
  t.deepEqual(dash, { type: 'config_set', scope: 'prod', name: 'dash', kv: { REDIS_URL: `redis://default:${p}@cache.prod.voodu:6379` } });
  t.regex(r.data.message, /run `voodu apply` now.*refreshed 2 linked consumers \(prod\/web, prod\/dash\)/);
  const again = await call('new-password', ['prod/cache']);
  t.not(again.data.actions[0].kv.REDIS_PASSWORD, p);
});

test.serial('new-password: a stale read URL is removed when the redis went down to one pod', async (t) => {
  fake.specs['prod/cache'] = redis(1);
  fake.buckets['prod/cache'] = { REDIS_PASSWORD: 'old', REDIS_LINKED_CONSUMERS: 'prod/web' };
  fake.buckets['prod/web'] = { REDIS_URL: 'a', REDIS_READ_URL: 'b' };
  const r = await call('new-password', ['prod/cache']);
  t.deepEqual(r.data.actions[1], { type: 'config_unset', scope: 'prod', name: 'web', keys: ['REDIS_READ_URL'], skip_restart: true });
  t.deepEqual(Object.keys(r.data.actions[2].kv), ['REDIS_URL']);
});

test.serial('failover --no-restart (the sentinels hook): records the master, refreshes consumers in their shape, touches no pod', async (t) => {
  fake.specs['prod/cache'] = redis(3);
  fake.buckets['prod/cache'] = { REDIS_PASSWORD: 'pw', REDIS_LINKED_CONSUMERS: 'prod/web,prod/dash', REDIS_READS_CONSUMERS: 'prod/dash' };
  const r = await call('failover', ['prod/cache', '--replica', '1', '--no-restart']);
  t.is(r.code, 0, r.error);
  t.deepEqual(r.data.actions, [
    { type: 'config_set', scope: 'prod', name: 'cache', kv: { REDIS_MASTER_ORDINAL: '1' }, skip_restart: true },
    { type: 'config_set', scope: 'prod', name: 'web', kv: { REDIS_URL: 'redis://default:pw@cache-1.prod.voodu:6379', REDIS_READ_URL: 'redis://default:pw@cache.prod.voodu:6379' } },
    { type: 'config_set', scope: 'prod', name: 'dash', kv: { REDIS_URL: 'redis://default:pw@cache.prod.voodu:6379' } },
  ]);
  t.regex(r.data.message, /master ordinal 0 → 1 .*Refreshed 2 linked consumer URL\(s\): prod\/web, prod\/dash/);
  fake.buckets['prod/cache']!.REDIS_MASTER_ORDINAL = '1';
  const again = await call('failover', ['--no-restart', '--replica=1', 'prod/cache']);
  t.is(again.code, 0, 'the hook fires at the start and the end of a failover: the second call is a no-op');
  t.deepEqual(again.data.actions, []);
});

test.serial('failover refusals name the flag, the resource and the fix', async (t) => {
  fake.specs['prod/one'] = redis(1);
  fake.specs['prod/cache'] = redis(3);
  fake.buckets['prod/cache'] = { REDIS_MASTER_ORDINAL: '0' };
  t.regex((await call('failover', ['prod/cache'])).error!, /^--replica: required; give the ordinal to promote/);
  t.regex((await call('failover', ['prod/cache', '--replica'])).error!, /^--replica: needs a value/);
  t.regex((await call('failover', ['prod/cache', '--replica', 'x'])).error!, /^--replica: "x" is not an ordinal/);
  t.regex((await call('failover', ['prod/cache', '--to', '1'])).error!, /^--to: unknown flag \(this command takes --no-restart, --replica\)/);
  t.regex((await call('failover', ['prod/cache', '--replica', '3'])).error!, /^--replica 3: out of range for prod\/cache \(replicas = 3: ordinals 0\.\.2\)/);
  t.regex((await call('failover', ['prod/cache', '--replica', '0'])).error!, /^--replica 0: prod\/cache's master is already ordinal 0; pick another ordinal \(1, 2\)/);
  t.regex((await call('failover', ['prod/one', '--replica', '1', '--no-restart'])).error!, /has replicas = 1; a failover needs a replica .*set replicas = 3/);
});

// ---------------------------------------------------------------- info

test.serial('info: the password redacted (URLs too) unless --show-password; -o json gives the same facts', async (t) => {
  fake.specs['prod/cache'] = redis(3);
  fake.buckets['prod/cache'] = { REDIS_PASSWORD: PW, REDIS_MASTER_ORDINAL: '1', REDIS_LINKED_CONSUMERS: 'prod/web,prod/dash', REDIS_READS_CONSUMERS: 'prod/dash' };
  fake.specs['prod/cache-quorum'] = { replicas: 3, env: { VOODU_MONITOR_SCOPE: 'prod', VOODU_MONITOR_NAME: 'cache' } };
  const text = await call('info', ['prod/cache']);
  t.is(text.code, 0, text.error);
  const m: string = text.data.message;
  t.false(m.includes(PW) || m.includes(encodeURIComponent(PW)), m);
  t.regex(m, /password: {8}\*\*\*/);
  t.regex(m, /write url: {7}redis:\/\/default:\*\*\*@cache-1\.prod\.voodu:6379/);
  t.regex(m, /replica hosts: {3}cache-0\.prod\.voodu, cache-2\.prod\.voodu/);
  t.regex(m, /- prod\/dash {2}REDIS_URL on every pod \(--reads\)/);
  t.regex(m, /- prod\/cache-quorum \(3\): cache-quorum-0\.prod\.voodu:26379/);

  const json = await call('info', ['prod/cache', '-o', 'json']);
  const facts = JSON.parse(json.data.message);
  t.like(facts, { redis: 'prod/cache', replicas: 3, master_ordinal: 1, password: '***', port: 6379, data_volume: { mount_path: '/data', claim: 'data' } });
  t.is(facts.urls.write, 'redis://default:***@cache-1.prod.voodu:6379');
  t.deepEqual(facts.linked_consumers, [{ ref: 'prod/web', shape: 'master+reads' }, { ref: 'prod/dash', shape: 'reads' }]);
  t.false(json.data.message.includes(encodeURIComponent(PW)));

  const shown = JSON.parse((await call('info', ['--show-password', 'prod/cache', '--output=json'])).data.message);
  t.is(shown.password, PW);
  t.is(shown.urls.write, 'redis://default:p%40ss%2Fword%3A%231@cache-1.prod.voodu:6379');
  t.regex((await call('info', ['prod/cache', '--show-password'])).data.message, /p%40ss%2Fword%3A%231@cache-1/);
  t.regex((await call('info', ['prod/cache', '-o', 'yaml'])).error!, /--output "yaml": use json or text/);
  const q = JSON.parse((await call('info', ['prod/cache-quorum', '-o', 'json'])).data.message);
  t.like(q, { kind: 'sentinel', monitors: 'prod/cache', replicas: 3 });
  t.deepEqual(q.hosts, ['cache-quorum-0.prod.voodu:26379', 'cache-quorum-1.prod.voodu:26379', 'cache-quorum-2.prod.voodu:26379']);
});

// ---------------------------------------------------------------- backup / restore / cli refusals before any pod is touched

test.serial('backup and restore check their paths first: absolute, existing directory, a real RDB file', async (t) => {
  fake.specs['prod/cache'] = redis(1);
  t.regex((await call('backup', ['prod/cache'])).error!, /^--destination: required/);
  t.regex((await call('backup', ['prod/cache', '--destination', 'cache.rdb'])).error!, /^--destination "cache\.rdb": must be an absolute path on the controller host/);
  t.regex((await call('backup', ['prod/cache', '--destination', '/no/such/dir/x.rdb'])).error!, /directory \/no\/such\/dir does not exist on the controller host; create it first/);
  t.regex((await call('backup', ['prod/cache', '--destination', join(work, 'x.rdb'), '--source', '1'])).error!, /^--source 1: out of range for prod\/cache \(replicas = 1/);

  t.regex((await call('restore', ['prod/cache'])).error!, /^--from: required/);
  t.regex((await call('restore', ['prod/cache', '--from', join(work, 'missing.rdb')])).error!, /no such file on the controller host/);
  const empty = join(work, 'empty.rdb');
  await writeFile(empty, '');
  t.regex((await call('restore', ['prod/cache', '--from', empty])).error!, /the file is empty/);
  const text = join(work, 'notes.txt');
  await writeFile(text, 'hello world');
  t.regex((await call('restore', ['prod/cache', '--from', text])).error!, /not an RDB snapshot \(it starts with "hello wor", an RDB file starts with "REDIS"\)/);
});

test.serial('restore without --yes says what it would overwrite (and which sentinels it would pause) and does nothing', async (t) => {
  fake.specs['prod/cache'] = redis(3);
  fake.buckets['prod/cache'] = { REDIS_MASTER_ORDINAL: '2' };
  fake.specs['prod/cache-ha'] = { replicas: 3, env: { VOODU_MONITOR_SCOPE: 'prod', VOODU_MONITOR_NAME: 'cache' } };
  fake.specs['other/cache-ha'] = { replicas: 3, env: { VOODU_MONITOR_SCOPE: 'other', VOODU_MONITOR_NAME: 'cache' } };
  const snap = join(work, 'snap.rdb');
  await writeFile(snap, Buffer.concat([Buffer.from('REDIS0010'), Buffer.alloc(100)]));
  const r = await call('restore', ['prod/cache', '--from', snap]);
  t.is(r.code, 1);
  t.regex(r.error!, /^--yes: required — restore replaces every key of prod\/cache \(master ordinal 2, 3 pods\) with the 109-byte snapshot .*, pausing the failover of sentinels prod\/cache-ha meanwhile; the current keys are lost\. To go ahead: voodu redis:restore prod\/cache --from .* --yes$/);
  t.true(fake.requests.some((q) => q === 'GET /apply?kind=statefulset'), 'sentinels found by listing statefulsets');
});

test.serial('sentinel resources are pointed at the redis they watch; cli wants its arguments after --', async (t) => {
  fake.specs['prod/cache'] = redis(3);
  fake.specs['prod/q'] = { replicas: 3, env: { VOODU_MONITOR_SCOPE: 'prod', VOODU_MONITOR_NAME: 'cache' } };
  t.regex((await call('failover', ['prod/q', '--replica', '1'])).error!, /is a sentinel resource; fail over the redis it watches: voodu redis:failover prod\/cache --replica 1/);
  t.regex((await call('new-password', ['prod/q'])).error!, /run voodu redis:new-password prod\/cache/);
  t.regex((await call('backup', ['prod/q', '--destination', join(work, 'q.rdb')])).error!, /voodu redis:backup prod\/cache --destination/);
  t.regex((await call('cli', ['prod/cache', 'PING'])).error!, /unexpected argument "PING": redis-cli's arguments go after --, e\.g\. voodu redis:cli prod\/cache -- PING/);
  t.regex((await call('cli', ['prod/cache', '--replica', '7'])).error!, /--replica 7: out of range/);
});

test.serial('help: -h anywhere prints the command help on stdout, exit 0', async (t) => {
  for (const c of ['link', 'unlink', 'new-password', 'failover', 'info', 'backup', 'restore', 'cli']) {
    const r = await call(c, ['prod/cache', '--help']);
    t.is(r.code, 0, c);
    t.regex(r.out, new RegExp(`^Usage: voodu redis:${c} `), c);
  }
});
