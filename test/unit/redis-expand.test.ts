/**
 * The redis plugin's expansion of a data redis, run as shipped (plain JS):
 * merge rules, defaults, the scale-down guard, passwords, redis.conf (AOF,
 * requirepass), the entrypoint, the reference helpers, the envelope of
 * bin/voodu-redis and the controller client the commands share.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { chmod, cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPluginDir } from '../../modules/plugins/load.js';
import { runPlugin } from '../../modules/plugins/run.js';
import { appendRequirepass, readConf, withAppendonly } from '../../plugins/redis/lib/expand/conf.js';
import { composeDefaults, defaultProbes } from '../../plugins/redis/lib/expand/defaults.js';
import { renderEntrypoint } from '../../plugins/redis/lib/expand/entrypoint.js';
import { checkScaleDown } from '../../plugins/redis/lib/expand/guard.js';
import { expand, expandRequest, parseRequest, type ExpandRequest } from '../../plugins/redis/lib/expand/index.js';
import { mergeEnv, mergeSpec, mergeVolumes, volumeTarget } from '../../plugins/redis/lib/expand/merge.js';
import { generatePassword, resolvePassword } from '../../plugins/redis/lib/expand/password.js';
import { createClient } from '../../plugins/redis/lib/sdk/controller.js';
import { commandHelp, main, readContext } from '../../plugins/redis/lib/main.js';
import { containerName, formatRef, ordinalFromHost, parseRef, podHost, sharedHost } from '../../plugins/redis/lib/ref.js';
import { redisMasterOrdinal, redisReplicas } from '../../plugins/redis/lib/topology.js';

const PLUGIN = fileURLToPath(new URL('../../plugins/redis/', import.meta.url));
const opts = { pluginDir: PLUGIN };
const req = (over: Partial<ExpandRequest> = {}): ExpandRequest => ({ kind: 'redis', scope: 'data', name: 'cache', spec: {}, config: {}, ...over });
const CONF_BIND = '${asset.data.cache.redis_conf}:/etc/redis/redis.conf:ro';
const EP_BIND = '${asset.data.cache.entrypoint}:/usr/local/bin/voodu-redis-entrypoint:ro';

// --- merge rules ---------------------------------------------------------

test('volumeTarget is the second colon field', (t) => {
  t.is(volumeTarget('/h:/etc/x:ro'), '/etc/x');
  t.is(volumeTarget('src:dst'), 'dst');
  t.is(volumeTarget('nocolon'), '');
  t.is(volumeTarget(''), '');
  t.is(volumeTarget('a:/dst:ro:extra'), '/dst');
  t.is(volumeTarget(42), '');
});

test('mergeVolumes: defaults kept, new destinations appended, same destination replaced in place', (t) => {
  const defaults = ['a:/one:ro', 'b:/two:ro'];
  t.deepEqual(mergeVolumes(defaults, undefined), defaults);
  t.deepEqual(mergeVolumes(defaults, []), defaults);
  t.deepEqual(mergeVolumes(defaults, ['c:/three']), ['a:/one:ro', 'b:/two:ro', 'c:/three']);
  t.deepEqual(mergeVolumes(defaults, ['mine:/one']), ['mine:/one', 'b:/two:ro']);
  t.deepEqual(mergeVolumes(defaults, ['c:/three', 'mine:/two']), ['a:/one:ro', 'mine:/two', 'c:/three']);
  t.deepEqual(mergeVolumes(undefined, ['x:/y']), ['x:/y']);
  t.is(mergeVolumes(undefined, undefined), null);
  t.is(mergeVolumes([], []), null);
  // The user's own duplicates of one destination collapse to the last.
  t.deepEqual(mergeVolumes([], ['a:/d', 'b:/d']), ['b:/d']);
  // Entries that do not parse are kept, in order, once each.
  t.deepEqual(mergeVolumes(defaults, ['junk', 'c:/three', 'junk']), ['a:/one:ro', 'b:/two:ro', 'junk', 'c:/three']);
});

test('mergeEnv: the block wins on a collision and adds keys; both empty is null', (t) => {
  t.deepEqual(mergeEnv({ A: '1', B: '2' }, { B: 'x', C: '3' }), { A: '1', B: 'x', C: '3' });
  t.is(mergeEnv(undefined, undefined), null);
  t.is(mergeEnv({}, {}), null);
  t.deepEqual(mergeEnv(undefined, { A: '1' }), { A: '1' });
});

test('mergeSpec: image and replicas of the block win, default ports stay, volumes add up, probes replace whole', (t) => {
  const d = composeDefaults('data', 'cache');
  const merged = mergeSpec(d, { image: 'redis:8', replicas: 3, volumes: ['/host/users.conf:/etc/redis/conf.d/users.conf:ro'] });
  t.is(merged.image, 'redis:8');
  t.is(merged.replicas, 3);
  t.deepEqual(merged.ports, ['6379']);
  t.deepEqual(merged.volumes, [CONF_BIND, EP_BIND, '/host/users.conf:/etc/redis/conf.d/users.conf:ro']);
  t.deepEqual(mergeSpec(d, { env: { A: '1' } }).volumes, [CONF_BIND, EP_BIND]);
  t.deepEqual(mergeSpec(d, { env: { A: '1' } }).env, { A: '1' });
  const probes = mergeSpec(d, { probes: { liveness: { tcp_socket: { port: 6379 } } } }).probes;
  t.deepEqual(probes, { liveness: { tcp_socket: { port: 6379 } } });
  t.false('readiness' in probes);
  // Any other key replaces the default, empty values included.
  t.deepEqual(mergeSpec(d, { volume_claims: [] }).volume_claims, []);
  t.deepEqual(mergeSpec(d, { command: ['redis-server'] }).command, ['redis-server']);
  t.false('env' in mergeSpec(d, {}), 'an empty env is left out, not sent as null');
});

// --- defaults ------------------------------------------------------------

test('composeDefaults: image, one pod, the two binds, the data claim, the entrypoint through sh, probes', (t) => {
  const d = composeDefaults('data', 'cache');
  t.is(d.image, 'redis:7-alpine');
  t.is(d.replicas, 1);
  t.deepEqual(d.ports, ['6379']);
  t.deepEqual(d.command, ['sh', '/usr/local/bin/voodu-redis-entrypoint']);
  t.deepEqual(d.volumes, [CONF_BIND, EP_BIND]);
  t.deepEqual(d.volume_claims, [{ name: 'data', mount_path: '/data' }]);
  t.deepEqual(d.probes, defaultProbes());
  t.deepEqual(d.probes.liveness, { tcp_socket: { port: 6379 }, period: '10s', failure_threshold: 3 });
  t.deepEqual(d.probes.readiness, { exec: { command: ['redis-cli', 'ping'] }, period: '5s', failure_threshold: 1, success_threshold: 2 });
  // The four-part asset reference even unscoped.
  t.is(composeDefaults('', 'solo').volumes[0], '${asset..solo.redis_conf}:/etc/redis/redis.conf:ro');
});

// --- scale-down guard ----------------------------------------------------

test('scale-down guard: the master ordinal must stay below replicas', (t) => {
  const at = (master: string | undefined, replicas: number) => () =>
    checkScaleDown({ scope: 'data', name: 'cache', config: master === undefined ? {} : { REDIS_MASTER_ORDINAL: master } }, { replicas });
  t.notThrows(at(undefined, 3));
  t.notThrows(at('0', 1));
  t.notThrows(at('0', 5));
  t.notThrows(at('1', 2));
  t.notThrows(at('2', 3));
  t.notThrows(at('primary', 1), 'a non-number is ordinal 0');
  t.notThrows(at('-1', 1), 'a negative is ordinal 0');
  for (const [m, r] of [['2', 2], ['2', 1], ['5', 3]] as const) {
    const err = t.throws(at(m, r));
    t.regex(err!.message, new RegExp(`redis data/cache: replicas = ${r} would remove the master \\(REDIS_MASTER_ORDINAL = ${m}\\)`));
    t.regex(err!.message, /voodu redis:failover data\/cache --replica 0/);
  }
});

// --- passwords, redis.conf -----------------------------------------------

test('passwords: 64 lowercase hex, new each time; the bucket one is reused', (t) => {
  const a = generatePassword();
  t.regex(a, /^[0-9a-f]{64}$/);
  t.not(a, generatePassword());
  t.deepEqual(resolvePassword({ REDIS_PASSWORD: 'kept' }), { password: 'kept', isNew: false });
  t.true(resolvePassword({}).isNew);
  t.true(resolvePassword({ REDIS_PASSWORD: '' }).isNew);
  t.true(resolvePassword(undefined).isNew);
});

test('appendRequirepass: at the end, with a newline when missing, the same value for requirepass and masterauth', (t) => {
  const out = appendRequirepass('port 6379', 'pw1');
  t.true(out.startsWith('port 6379\n'));
  t.true(out.endsWith('requirepass pw1\nmasterauth pw1\n'));
  t.regex(out, /^requirepass pw1$/m);
  t.notRegex(out, /#.*requirepass pw1/);
  t.true(appendRequirepass('port 6379\n', 'x').startsWith('port 6379\n\n#'));
});

test('the shipped redis.conf: the directives in order, include last', async (t) => {
  const conf = readConf(PLUGIN);
  const directives = conf.split('\n').filter((l) => l && !l.startsWith('#'));
  t.deepEqual(directives, [
    'bind 0.0.0.0', 'port 6379', 'protected-mode yes', 'tcp-keepalive 60', 'timeout 0', 'maxclients 10000', 'appendonly no',
    'save 900 1', 'save 300 10', 'save 60 10000', 'dir /data', 'dbfilename dump.rdb', 'maxmemory-policy noeviction',
    'loglevel notice', 'logfile ""', 'slowlog-log-slower-than 10000', 'slowlog-max-len 128', 'replica-read-only yes',
    'replica-serve-stale-data yes', 'min-replicas-to-write 0', 'include /etc/redis/conf.d/*.conf',
  ]);
});

test('AOF: appendonly yes + appendfsync everysec replace the appendonly line; off leaves the conf alone', (t) => {
  const conf = readConf(PLUGIN);
  t.is(withAppendonly(conf, false), conf);
  const on = withAppendonly(conf, true);
  t.regex(on, /^appendonly yes\nappendfsync everysec$/m);
  t.notRegex(on, /^appendonly no/m);
  t.true(on.indexOf('appendonly yes') < on.indexOf('include /etc/redis/conf.d'), 'before the include, so conf.d can still tune it');
  t.is(withAppendonly('port 1', true), 'port 1\nappendonly yes\nappendfsync everysec\n', 'a conf without the line gets it appended');
});

test('get-conf failures name the script and the fix', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'redis-getconf-'));
  try {
    await cp(join(PLUGIN, 'bin'), join(dir, 'bin'), { recursive: true });
    await writeFile(join(dir, 'bin', 'get-conf'), '#!/bin/sh\necho broken >&2\nexit 3\n');
    await chmod(join(dir, 'bin', 'get-conf'), 0o755);
    t.throws(() => readConf(dir), { message: /get-conf: .*bin\/get-conf exited 3: broken/ });
    await writeFile(join(dir, 'bin', 'get-conf'), '#!/bin/sh\nexit 0\n');
    t.throws(() => readConf(dir), { message: /printed nothing \(redis.conf must not be empty\)/ });
    t.throws(() => expandRequest(req(), { pluginDir: dir }), { message: /^redis data\/cache: get-conf: .*printed nothing/ });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

// --- entrypoint ----------------------------------------------------------

test('entrypoint: role from the ordinals, the master by its voodu0 name, deterministic', (t) => {
  const ep = renderEntrypoint('clowk-lp', 'redis');
  t.true(ep.startsWith('#!/bin/sh\n'));
  t.true(ep.includes('MASTER_HOST=redis-${MASTER_ORDINAL}.clowk-lp.voodu'));
  t.true(ep.includes('ANNOUNCE_HOST=redis-${ORDINAL}.clowk-lp.voodu'));
  t.true(ep.includes('ORDINAL="${VOODU_REPLICA_ORDINAL:-0}"'));
  t.true(ep.includes('MASTER_ORDINAL="${REDIS_MASTER_ORDINAL:-0}"'));
  t.true(ep.includes('exec redis-server "$CONF" --replica-announce-ip "$ANNOUNCE_HOST"'));
  t.true(ep.includes('exec redis-server "$CONF" --replicaof "$MASTER_HOST" 6379 --replica-announce-ip "$ANNOUNCE_HOST"'));
  t.false(ep.includes('requirepass'), 'no password on a command line');
  const solo = renderEntrypoint('', 'cache');
  t.true(solo.includes('cache-${MASTER_ORDINAL}.voodu'));
  t.false(solo.includes('..voodu'));
  t.is(renderEntrypoint('clowk-lp', 'redis'), ep);
});

// --- helpers -------------------------------------------------------------

test('redisReplicas and redisMasterOrdinal forgive bad values', (t) => {
  t.is(redisReplicas(undefined), 1);
  t.is(redisReplicas({}), 1);
  t.is(redisReplicas({ replicas: 3 }), 3);
  t.is(redisReplicas({ replicas: 3.0 }), 3);
  t.is(redisReplicas({ replicas: 0 }), 1);
  t.is(redisReplicas({ replicas: -2 }), 1);
  t.is(redisReplicas({ replicas: '3' }), 1);
  for (const v of [undefined, '', 'primary', '-1', '1.5']) t.is(redisMasterOrdinal(v === undefined ? {} : { REDIS_MASTER_ORDINAL: v }), 0, String(v));
  t.is(redisMasterOrdinal(undefined), 0);
  t.is(redisMasterOrdinal({ REDIS_MASTER_ORDINAL: '2' }), 2);
});

test('references, container names and voodu0 names', (t) => {
  t.deepEqual(parseRef('clowk-lp/redis'), { scope: 'clowk-lp', name: 'redis' });
  t.deepEqual(parseRef(' a / b '), { scope: 'a', name: 'b' });
  t.deepEqual(parseRef('solo'), { scope: '', name: 'solo' });
  t.throws(() => parseRef('a/b/c', 'provider'), { message: /provider "a\/b\/c": more than one "\/"; give it as <scope>\/<name>/ });
  t.throws(() => parseRef('/x'), { message: /must both be non-empty/ });
  t.throws(() => parseRef(''), { message: /ref: missing/ });
  t.is(formatRef('a', 'b'), 'a/b');
  t.is(formatRef('', 'b'), 'b');
  t.is(containerName('clowk-lp', 'redis', 0), 'clowk-lp-redis.0');
  t.is(containerName('', 'postgres', 1), 'postgres.1');
  t.is(podHost('clowk-lp', 'redis', 7), 'redis-7.clowk-lp.voodu');
  t.is(podHost('', 'cache', 0), 'cache-0.voodu');
  t.is(podHost(' Clowk-LP ', ' Redis ', 1), 'redis-1.clowk-lp.voodu');
  t.is(sharedHost('clowk-lp', 'redis'), 'redis.clowk-lp.voodu');
  t.is(ordinalFromHost('redis-2.clowk-lp.voodu'), 2);
  t.is(ordinalFromHost('redis-quorum-10.x.voodu'), 10);
  t.is(ordinalFromHost('172.18.0.4'), undefined);
});

// --- the expansion as a whole ---------------------------------------------

test('a bare block: [asset, statefulset], a generated password stored by a config_set', (t) => {
  const out = expandRequest(req(), opts);
  t.deepEqual(out.manifests.map((m) => `${m.kind}/${m.scope}/${m.name}`), ['asset/data/cache', 'statefulset/data/cache']);
  const [asset, sts] = out.manifests;
  t.deepEqual(Object.keys(asset!.spec.files), ['redis_conf', 'entrypoint']);
  const pw = out.actions[0]!.kv.REDIS_PASSWORD as string;
  t.regex(pw, /^[0-9a-f]{64}$/);
  t.deepEqual(out.actions, [{ type: 'config_set', scope: 'data', name: 'cache', kv: { REDIS_PASSWORD: pw } }]);
  t.true(asset!.spec.files.redis_conf.endsWith(`requirepass ${pw}\nmasterauth ${pw}\n`));
  t.regex(asset!.spec.files.redis_conf, /^appendonly no$/m);
  t.deepEqual(sts!.spec, composeDefaults('data', 'cache'));
});

test('a re-apply reuses the bucket password: no action, the same bytes', (t) => {
  const a = expandRequest(req({ config: { REDIS_PASSWORD: 'p@ss' } }), opts);
  const b = expandRequest(req({ config: { REDIS_PASSWORD: 'p@ss' } }), opts);
  t.deepEqual(a.actions, []);
  t.deepEqual(a, b);
  t.true(a.manifests[0]!.spec.files.redis_conf.includes('requirepass p@ss\n'));
});

test('appendonly = true turns AOF on; the key never reaches the statefulset; a non-boolean is refused by name', (t) => {
  const out = expandRequest(req({ spec: { appendonly: true, replicas: 3 } }), opts);
  t.regex(out.manifests[0]!.spec.files.redis_conf, /^appendonly yes\nappendfsync everysec$/m);
  t.false('appendonly' in out.manifests[1]!.spec);
  t.is(out.manifests[1]!.spec.replicas, 3);
  t.regex(expandRequest(req({ spec: { appendonly: false } }), opts).manifests[0]!.spec.files.redis_conf, /^appendonly no$/m);
  t.throws(() => expandRequest(req({ spec: { appendonly: 'yes' } }), opts), { message: 'redis data/cache: appendonly must be true or false, got "yes"; write appendonly = true for AOF (appendfsync everysec)' });
});

test('a disabled sentinel block is a data redis, and the block is stripped', (t) => {
  const out = expandRequest(req({ spec: { sentinel: { enabled: false, monitor: 'garbage' } } }), opts);
  t.is(out.manifests[1]!.kind, 'statefulset');
  t.false('sentinel' in out.manifests[1]!.spec);
  t.is(out.manifests[1]!.spec.command[0], 'sh');
});

test('the scale-down guard refuses the apply, naming the resource and the failover to run', (t) => {
  t.throws(() => expandRequest(req({ spec: { replicas: 2 }, config: { REDIS_MASTER_ORDINAL: '2', REDIS_PASSWORD: 'x' } }), opts), {
    message: /^redis data\/cache: replicas = 2 would remove the master .*voodu redis:failover data\/cache --replica 0/,
  });
});

test('the request: name required, JSON required, spec must be an object', (t) => {
  t.throws(() => parseRequest('{"kind":"redis"}'), { message: "expand request missing required field 'name'" });
  t.throws(() => parseRequest('nope'), { message: /^decode expand request: / });
  t.throws(() => parseRequest('{"name":"x","spec":[1]}'), { message: /spec must be an object/ });
  const r = parseRequest('{"name":"x"}');
  t.deepEqual(r, { kind: undefined, scope: '', name: 'x', spec: {}, config: {} });
});

test('adding or removing a sentinel resource leaves the data redis expansion as it was', async (t) => {
  const before = await expand(JSON.stringify(req({ config: { REDIS_PASSWORD: 'x' } })), opts);
  const after = await expand(JSON.stringify(req({ config: { REDIS_PASSWORD: 'x', REDIS_SENTINELS: 'cache-q-0.data.voodu:26379' } })), opts);
  t.deepEqual(after, before);
  t.false(JSON.stringify(before.manifests[1]!.spec).includes('SENTINEL'), 'the data spec carries no sentinel env');
});

// --- bin/voodu-redis, as the controller runs it -----------------------------

test('plugin.yml loads, declares every command with help, and the entrypoint expands', async (t) => {
  const p = await loadPluginDir(PLUGIN);
  t.is(p.manifest.name, 'redis');
  t.is(p.manifest.version, '0.1.0');
  const names = p.manifest.commands.map((c) => c.name);
  t.deepEqual(names, ['expand', 'get-conf', 'link', 'unlink', 'new-password', 'failover', 'info', 'backup', 'restore', 'cli', 'help']);
  t.true(p.manifest.commands.every((c) => !!c.help));
  t.deepEqual(commandHelp().map((c) => c.name), names);
  const ok = await runPlugin(p, 'expand', { stdin: JSON.stringify(req()) });
  t.is(ok.exitCode, 0, ok.stderr);
  t.is(ok.envelope?.status, 'ok');
  t.is((ok.envelope?.data as { manifests: unknown[] }).manifests.length, 2);
  // An error is an envelope on stderr, exit 1, nothing on stdout.
  const bad = await runPlugin(p, 'expand', { stdin: JSON.stringify(req({ spec: { replicas: 2, sentinel: { monitor: 'data/main' } } })) });
  t.is(bad.exitCode, 1);
  t.is(bad.stdout, '');
  t.deepEqual(JSON.parse(bad.stderr), { status: 'error', error: bad.stderr && JSON.parse(bad.stderr).error });
  t.regex(JSON.parse(bad.stderr).error, /^redis data\/cache: replicas = 2 is not allowed for sentinels/);
  const conf = await runPlugin(p, 'get-conf');
  t.is(conf.exitCode, 0);
  t.true(conf.stdout.startsWith('# redis.conf shipped'));
});

/** main() with captured output. */
async function runMain(argv: string[], stdin = '', env: NodeJS.ProcessEnv = {}) {
  let out = '';
  let err = '';
  let code = 0;
  await main(argv, env, { stdin: async () => stdin, out: (s) => (out += s), err: (s) => (err += s), exit: (c) => (code = c) });
  return { out, err, code };
}

test('main: help anywhere, unknown commands, version', async (t) => {
  const help = await runMain(['help']);
  t.regex(help.out, /voodu redis:failover <scope>\/<name> --replica N/);
  t.is((await runMain([])).out, help.out);
  const one = await runMain(['failover', 'data/cache', '--help']);
  t.is(one.code, 0);
  t.regex(one.out, /failover/);
  const dashH = await runMain(['expand', '-h']);
  t.regex(dashH.out, /voodu redis:expand/);
  // After `--` the arguments are redis-cli's: its -h is a host, not a call for help.
  const passthrough = await runMain(['cli', 'data/cache', '--', '-h', 'elsewhere'], '{}');
  t.false(passthrough.out.includes('Usage'), passthrough.out);
  t.is(passthrough.code, 1);
  t.regex(JSON.parse(passthrough.err).error, /./);
  const unknown = await runMain(['frobnicate']);
  t.is(unknown.code, 1);
  t.regex(JSON.parse(unknown.err).error, /unknown command "frobnicate"; the commands are expand, get-conf, link/);
  t.is((await runMain(['--version'])).out, '0.1.0\n');
});

test('main: a dispatched command gets its args and context, answers {message, actions}; a throw is the error envelope', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'redis-main-'));
  try {
    await cp(PLUGIN, dir, { recursive: true });
    await writeFile(
      join(dir, 'lib', 'commands', 'cli.js'),
      `export async function run(args, ctx) {
        if (args[0] === 'boom') throw new Error('redis x/y: broke; fix it');
        return { message: JSON.stringify({ args, url: ctx.controllerUrl, node: ctx.nodeName }), actions: [{ type: 'config_set' }] };
      }\n`,
    );
    const run = (args: string[], stdin: string, env: NodeJS.ProcessEnv = {}) =>
      new Promise<{ code: number; out: string; err: string }>((resolve) => {
        const child = execFile(join(dir, 'bin', 'voodu-redis'), args, { env: { PATH: process.env.PATH, ...env } }, (e, out, err) =>
          resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out, err }),
        );
        child.stdin!.end(stdin);
      });
    const ok = await run(['cli', 'a/b', '--replica', '1'], JSON.stringify({ controller_url: 'http://c/cap/t', node_name: 'n1' }));
    t.is(ok.code, 0, ok.err);
    const env = JSON.parse(ok.out);
    t.is(env.status, 'ok');
    t.deepEqual(JSON.parse(env.data.message), { args: ['a/b', '--replica', '1'], url: 'http://c/cap/t', node: 'n1' });
    t.deepEqual(env.data.actions, [{ type: 'config_set' }]);
    // No context on stdin: the env var stands in.
    const viaEnv = await run(['cli', 'a/b'], '', { VOODU_CONTROLLER_URL: 'http://env/pod/x' });
    t.is(JSON.parse(JSON.parse(viaEnv.out).data.message).url, 'http://env/pod/x');
    const boom = await run(['cli', 'boom'], '{}');
    t.is(boom.code, 1);
    t.is(boom.out, '');
    t.deepEqual(JSON.parse(boom.err), { status: 'error', error: 'redis x/y: broke; fix it' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('readContext: stdin first, env as fallback, bad stdin is no context', (t) => {
  t.is(readContext('{"controller_url":"http://a/cap/1"}', { VOODU_CONTROLLER_URL: 'http://b' }).controllerUrl, 'http://a/cap/1');
  t.is(readContext('', { VOODU_CONTROLLER_URL: 'http://b' }).controllerUrl, 'http://b');
  t.is(readContext('not json', {}).controllerUrl, undefined);
  t.is(readContext('{"plugin_dir":"/p"}', {}).pluginDir, '/p');
  t.true(readContext('', {}).pluginDir.endsWith('plugins/redis'));
});

// --- controller client ----------------------------------------------------

test('controller client: fetchSpec unwraps data.manifest.spec, fetchConfig data.vars; errors name the route, never the token', async (t) => {
  const seen: string[] = [];
  const server = createServer((rq, rs) => {
    seen.push(rq.url!);
    rs.setHeader('content-type', 'application/json');
    if (rq.url!.includes('/describe')) return rs.end(JSON.stringify({ status: 'ok', data: { manifest: { kind: 'statefulset', spec: { replicas: 3 } } } }));
    if (rq.url!.includes('/config')) return rs.end(JSON.stringify({ status: 'ok', data: { vars: { REDIS_PASSWORD: 'x' } } }));
    if (rq.url!.includes('/slow')) return; // never answers
    rs.statusCode = 404;
    rs.end(JSON.stringify({ status: 'error', error: 'no such thing' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const token = 'SECRET-TOKEN-123';
  try {
    const c = createClient(`http://127.0.0.1:${port}/cap/${token}/`, { timeoutMs: 300 });
    t.deepEqual(await c.fetchSpec('statefulset', 'data', 'cache'), { replicas: 3 });
    t.deepEqual(await c.fetchConfig('data', 'cache'), { REDIS_PASSWORD: 'x' });
    await c.fetchConfig('data', 'cache', { merge: false });
    t.deepEqual(seen, [
      `/cap/${token}/describe?kind=statefulset&scope=data&name=cache`,
      `/cap/${token}/config?scope=data&name=cache`,
      `/cap/${token}/config?scope=data&name=cache&merge=false`,
    ]);
    const nf = await t.throwsAsync(c.get('/nothing?x=1'));
    t.is(nf!.message, 'controller GET /nothing: 404 no such thing');
    t.is((nf as { status?: number }).status, 404);
    const slow = await t.throwsAsync(c.get('/slow'));
    t.regex(slow!.message, /^controller GET \/slow: no answer within 0 s$/);
    for (const e of [nf, slow]) t.false(e!.message.includes(token));
    const none = await t.throwsAsync(createClient(undefined).fetchSpec('statefulset', 'a', 'b'));
    t.regex(none!.message, /no controller URL/);
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const freed = (closed.address() as { port: number }).port;
    await new Promise((r) => closed.close(r));
    const down = await t.throwsAsync(createClient(`http://127.0.0.1:${freed}/pod/tok`).get('/describe?x'));
    t.regex(down!.message, /^controller GET \/describe: ECONNREFUSED/);
  } finally {
    server.close();
  }
});
