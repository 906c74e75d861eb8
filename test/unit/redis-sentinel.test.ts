/**
 * The redis plugin's sentinel mode, run as shipped: the block's parse and
 * rules, the sentinel statefulset and its actions, the entrypoint and the
 * failover hook — the hook really run with bash against an HTTP server (the
 * wire shape the pod URL receives), and the data entrypoint really run with
 * sh and stub redis binaries (who it asks before choosing its role).
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderEntrypoint } from '../../plugins/redis/lib/expand/entrypoint.js';
import { expandRequest, type ExpandRequest } from '../../plugins/redis/lib/expand/index.js';
import { renderSentinelEntrypoint } from '../../plugins/redis/lib/sentinel/entrypoint.js';
import { HOOK_PATH, renderHook } from '../../plugins/redis/lib/sentinel/hook.js';
import { composeSentinelDefaults, mergeEnvFrom, sentinelDefensiveUnsets, sentinelManifests, sentinelPodEnv, sentinelReplicas } from '../../plugins/redis/lib/sentinel/manifests.js';
import { parseSentinel, splitMonitorRef, validateSentinel } from '../../plugins/redis/lib/sentinel/parse.js';

const PLUGIN = fileURLToPath(new URL('../../plugins/redis/', import.meta.url));
const opts = { pluginDir: PLUGIN };
const req = (over: Partial<ExpandRequest> = {}): ExpandRequest => ({ kind: 'redis', scope: 'clowk-lp', name: 'redis-quorum', spec: {}, config: {}, ...over });
const MONITOR = { scope: 'clowk-lp', name: 'redis' };

// --- the block -------------------------------------------------------------

test('parseSentinel: absent is null; present defaults to enabled; enabled = false keeps the monitor', (t) => {
  t.is(parseSentinel({}), null);
  t.is(parseSentinel(undefined), null);
  t.deepEqual(parseSentinel({ sentinel: {} }), { enabled: true, monitor: '' });
  t.deepEqual(parseSentinel({ sentinel: { monitor: 'a/b' } }), { enabled: true, monitor: 'a/b' });
  t.deepEqual(parseSentinel({ sentinel: { enabled: false, monitor: 'a/b' } }), { enabled: false, monitor: 'a/b' });
  t.deepEqual(parseSentinel({ sentinel: [{ monitor: 'a/b' }] }), { enabled: true, monitor: 'a/b' });
});

test('parseSentinel: shape errors name the field', (t) => {
  t.throws(() => parseSentinel({ sentinel: [{}, {}] }), { message: /sentinel block declared 2 times; exactly one/ });
  t.throws(() => parseSentinel({ sentinel: 'yes' }), { message: /^sentinel block must be a block/ });
  t.throws(() => parseSentinel({ sentinel: ['x'] }), { message: /^sentinel block must be a block/ });
  t.throws(() => parseSentinel({ sentinel: { enabled: 'true' } }), { message: /^sentinel\.enabled has unexpected type \(the string "true"\); write enabled = true or enabled = false/ });
  t.throws(() => parseSentinel({ sentinel: { monitor: 3 } }), { message: /^sentinel\.monitor has unexpected type \(number 3\); write monitor = "<scope>\/<name>"/ });
});

test('validateSentinel: disabled is never checked; enabled needs a same-scope monitor that is not itself', (t) => {
  const v = (s: ReturnType<typeof parseSentinel>, spec: Record<string, unknown> = {}) => () => validateSentinel(s, { scope: 'clowk-lp', name: 'redis-quorum' }, spec);
  t.is(v({ enabled: false, monitor: 'garbage' })(), null);
  t.is(v(null)(), null);
  t.deepEqual(v({ enabled: true, monitor: 'clowk-lp/redis' })(), MONITOR);
  t.deepEqual(v({ enabled: true, monitor: ' clowk-lp / redis ' })(), MONITOR);
  for (const m of ['', '   ']) t.throws(v({ enabled: true, monitor: m }), { message: /^sentinel\.enabled = true requires sentinel\.monitor.*write monitor = "clowk-lp\/<data redis name>"/ });
  for (const m of ['redis', 'a/b/c', 'x/', '/x', '/']) t.throws(v({ enabled: true, monitor: m }), { message: new RegExp(`^sentinel\\.monitor "${m.replace(/\//g, '\\/')}" needs`) }, m);
  t.throws(v({ enabled: true, monitor: 'other/redis' }), {
    message: 'sentinel.monitor "other/redis" is in scope "other" but these sentinels are in scope "clowk-lp": cross-scope monitoring is not supported; declare the sentinels in scope "other", or monitor a redis of scope "clowk-lp"',
  });
  t.throws(v({ enabled: true, monitor: 'clowk-lp/redis-quorum' }), { message: /points at this sentinel resource itself; monitor the data redis instead/ });
});

test('validateSentinel: replicas 1 and ≥ 3 are fine, 2 and ≤ 0 and non-integers are refused', (t) => {
  const v = (replicas: unknown) => () => validateSentinel({ enabled: true, monitor: 'clowk-lp/redis' }, { scope: 'clowk-lp', name: 'q' }, replicas === undefined ? {} : { replicas });
  for (const n of [undefined, 1, 3, 5, 3.0]) t.notThrows(v(n), String(n));
  t.throws(v(2), { message: /^replicas = 2 is not allowed for sentinels: the quorum would be 2.*Use replicas = 3/ });
  t.throws(v(0), { message: /^replicas = 0 is not allowed/ });
  t.throws(v(-1), { message: /^replicas = -1 is not allowed/ });
  t.throws(v(3.5), { message: /^replicas has unexpected type \(number 3\.5\)/ });
  t.throws(v('3'), { message: /^replicas has unexpected type/ });
});

test('splitMonitorRef trims both parts', (t) => {
  t.deepEqual(splitMonitorRef('  a / b '), { scope: 'a', name: 'b' });
  t.throws(() => splitMonitorRef(''), { message: 'is empty' });
});

// --- the expansion -----------------------------------------------------------

test('sentinel defaults: 3 pods, bash entrypoint from the asset, port 26379, a state claim, no probes', (t) => {
  const d = composeSentinelDefaults('clowk-lp', 'redis-quorum');
  t.is(d.image, 'redis:7', 'an image with bash: the entrypoint needs it, and redis:7-alpine has none');
  t.is(d.replicas, 3);
  t.deepEqual(d.command, ['bash', '/usr/local/bin/voodu-sentinel-entrypoint']);
  t.deepEqual(d.ports, ['26379']);
  t.deepEqual(d.volumes, ['${asset.clowk-lp.redis-quorum.sentinel_entrypoint}:/usr/local/bin/voodu-sentinel-entrypoint:ro']);
  t.false(JSON.stringify(d.volumes).includes('hook'), 'the hook is written by the entrypoint, not mounted');
  t.deepEqual(d.volume_claims, [{ name: 'state', mount_path: '/var/lib/sentinel' }]);
  t.false('probes' in d);
  t.is(sentinelReplicas({}), 3);
  t.is(sentinelReplicas({ replicas: 5 }), 5);
  t.is(sentinelReplicas({ replicas: 1 }), 1);
});

test('sentinel pod env is exactly the monitor and the count; env_from ends with the monitor, once', (t) => {
  t.deepEqual(sentinelPodEnv(MONITOR, 3), { VOODU_MONITOR_SCOPE: 'clowk-lp', VOODU_MONITOR_NAME: 'redis', VOODU_REDIS_REPLICAS: '3' });
  t.deepEqual(mergeEnvFrom(undefined, 'clowk-lp/redis'), ['clowk-lp/redis']);
  t.deepEqual(mergeEnvFrom(['clowk-lp/shared', 'clowk-lp/redis', '', 7, 'clowk-lp/shared'], 'clowk-lp/redis'), ['clowk-lp/shared', 'clowk-lp/redis']);
});

test('sentinelManifests: [asset, statefulset]; the block is stripped, the user keys win, env merged', (t) => {
  const spec = { image: 'redis:8', env: { LOG: 'debug', VOODU_REDIS_REPLICAS: '9' }, env_from: ['clowk-lp/extra'], sentinel: { monitor: 'clowk-lp/redis' } };
  const [asset, sts] = sentinelManifests({ scope: 'clowk-lp', name: 'redis-quorum' }, MONITOR, spec);
  t.is(asset!.kind, 'asset');
  t.is(sts!.kind, 'statefulset');
  t.is(asset!.scope, sts!.scope);
  t.is(asset!.name, sts!.name);
  t.deepEqual(Object.keys(asset!.spec.files), ['sentinel_entrypoint']);
  const ep = asset!.spec.files.sentinel_entrypoint as string;
  t.true(ep.includes('sentinel monitor voodu-master $MASTER_HOST 6379 $QUORUM'));
  t.true(ep.includes('voodu-sentinel-failover-hook'));
  t.true(ep.includes(`chmod +x ${HOOK_PATH}`));
  t.false('sentinel' in sts!.spec);
  t.is(sts!.spec.image, 'redis:8');
  t.is(sts!.spec.replicas, 3);
  t.deepEqual(sts!.spec.env_from, ['clowk-lp/extra', 'clowk-lp/redis']);
  t.deepEqual(sts!.spec.env, { VOODU_MONITOR_SCOPE: 'clowk-lp', VOODU_MONITOR_NAME: 'redis', VOODU_REDIS_REPLICAS: '9', LOG: 'debug' });
});

test('defensive unsets: stale keys of the sentinel bucket are cleared once, with a restart; a clean bucket emits nothing', (t) => {
  t.deepEqual(sentinelDefensiveUnsets({ scope: 's', name: 'q', config: { REDIS_PASSWORD: 'x', REDIS_MASTER_ORDINAL: '1' } }), [
    { type: 'config_unset', scope: 's', name: 'q', keys: ['REDIS_PASSWORD', 'REDIS_MASTER_ORDINAL'] },
  ]);
  t.deepEqual(sentinelDefensiveUnsets({ scope: 's', name: 'q', config: { REDIS_LINKED_CONSUMERS: 's/web' } })[0]!.keys, ['REDIS_LINKED_CONSUMERS']);
  for (const config of [undefined, {}, { OTHER: 'x' }, { REDIS_PASSWORD: '' }] as (Record<string, string> | undefined)[]) t.deepEqual(sentinelDefensiveUnsets({ scope: 's', name: 'q', config }), []);
  t.false('skip_restart' in sentinelDefensiveUnsets({ scope: 's', name: 'q', config: { REDIS_PASSWORD: 'x' } })[0]!);
});

test('expand of a sentinel block: the pair and the unsets of its own bucket — nothing written into the monitored one', (t) => {
  const out = expandRequest(req({ spec: { sentinel: { monitor: 'clowk-lp/redis' } }, config: { REDIS_PASSWORD: 'stale' } }), opts);
  t.deepEqual(out.manifests.map((m) => m.kind), ['asset', 'statefulset']);
  t.deepEqual(out.actions.map((a) => `${a.type} ${a.scope}/${a.name}`), ['config_unset clowk-lp/redis-quorum']);
  // No password of its own: sentinels are no data redis.
  t.false(JSON.stringify(out).includes('requirepass'));
  const clean = expandRequest(req({ spec: { sentinel: { monitor: 'clowk-lp/redis' } } }), opts);
  t.deepEqual(clean.actions, [], 'a change of the data bucket would roll the data pods');
  const refused = (spec: Record<string, unknown>) => () => expandRequest(req({ spec }), opts);
  t.throws(refused({ replicas: 2, sentinel: { monitor: 'clowk-lp/redis' } }), { message: /^redis clowk-lp\/redis-quorum: replicas = 2 is not allowed for sentinels/ });
  t.throws(refused({ sentinel: { monitor: 'prod/redis' } }), { message: /^redis clowk-lp\/redis-quorum: sentinel\.monitor "prod\/redis" is in scope "prod".*cross-scope/ });
  t.throws(refused({ sentinel: { monitor: 'clowk-lp/redis-quorum' } }), { message: /^redis clowk-lp\/redis-quorum: sentinel\.monitor .* itself/ });
  t.throws(refused({ sentinel: [{}, {}] }), { message: /^redis clowk-lp\/redis-quorum: sentinel block declared 2 times/ });
});

// --- the scripts' text -------------------------------------------------------

test('sentinel entrypoint: bash, env contract, quorum, both name forms, the directives, preserved state, --sentinel', (t) => {
  const ep = renderSentinelEntrypoint('clowk-lp', 'redis-quorum');
  t.true(ep.startsWith('#!/bin/bash\n'));
  for (const s of ['VOODU_MONITOR_SCOPE', 'VOODU_MONITOR_NAME', 'VOODU_REDIS_REPLICAS', 'REDIS_MASTER_ORDINAL', 'REDIS_PASSWORD', 'VOODU_REDIS_REPLICAS / 2 + 1']) t.true(ep.includes(s), s);
  t.false(ep.includes('VOODU_MASTER_ORDINAL_INITIAL'));
  t.true(ep.includes('MONITOR_SUFFIX=".voodu"'), 'unscoped form');
  t.true(ep.includes('MONITOR_SUFFIX=".${VOODU_MONITOR_SCOPE}.voodu"'), 'scoped form');
  for (const d of [
    'port 26379',
    'sentinel resolve-hostnames yes',
    'sentinel announce-hostnames yes',
    'sentinel monitor voodu-master $MASTER_HOST 6379 $QUORUM',
    'sentinel down-after-milliseconds voodu-master 5000',
    'sentinel failover-timeout voodu-master 30000',
    'sentinel parallel-syncs voodu-master 1',
    `sentinel client-reconfig-script voodu-master ${HOOK_PATH}`,
    'include /etc/sentinel/conf.d/*.conf',
  ]) t.true(ep.includes(`\n${d}\n`), d);
  t.true(ep.includes('sentinel announce-ip $ANNOUNCE_HOST'));
  t.true(ep.includes('ANNOUNCE_HOST=redis-quorum-${ORDINAL}.clowk-lp.voodu'));
  t.true(ep.includes('/dev/tcp'));
  t.false(/\b(wget|curl)\b/.test(ep), 'no wget or curl in the entrypoint or the hook');
  t.true(ep.includes('/describe?kind=statefulset&scope='));
  t.true(ep.includes('preflight OK'));
  t.true(ep.includes('WARNING — monitor target'));
  t.false(ep.slice(ep.indexOf('preflight OK')).includes('exit 1'), 'the preflight is never fatal');
  t.regex(ep, /if \[ -n "\$\{REDIS_PASSWORD:-\}" \]; then\n\s+echo "sentinel auth-pass voodu-master \$REDIS_PASSWORD"/);
  t.true(ep.includes('exec redis-server "$CONF" --sentinel'));
  t.false(ep.includes('exec redis-sentinel'));
  t.true(ep.includes('CONF=/var/lib/sentinel/sentinel.conf'));
  t.true(ep.includes('PRESERVED=$(grep -E "^sentinel (myid|known-sentinel|known-replica|config-epoch|leader-epoch|master-config-epoch)|^current-epoch"'));
  t.true(ep.includes('echo "$PRESERVED" >> "$CONF"'));
  t.false(/if \[ ! -s "\$CONF" \]/.test(ep), 'no bootstrap-only-if-empty branch');
  t.true(ep.includes('ask_peer "redis-quorum-${i}.clowk-lp.voodu"'), 'asks its peers who the master is');
  t.is(renderSentinelEntrypoint('clowk-lp', 'redis-quorum'), ep);
});

test('hook text: logs to PID 1, never exits 1, start or end, posts failover --no-restart with retries', (t) => {
  const hook = renderHook();
  t.true(hook.startsWith('#!/bin/bash\n'));
  t.true(hook.includes('/proc/1/fd/2'));
  t.false(/exit 1\b/.test(hook));
  for (let i = 1; i <= 7; i++) t.true(hook.includes(`\${${i}:-?}`), `$${i}`);
  t.true(hook.includes('case "$STATE" in start | end) ;; *) exit 0 ;; esac'));
  t.true(hook.includes('/plugin/redis/failover'));
  t.true(hook.includes('"--no-restart"'));
  t.true(hook.includes("sed -nE 's/^[a-z0-9-]+-([0-9]+)\\..*/\\1/p'"));
  t.true(hook.includes('for ATTEMPT in 1 2 3 4 5'));
  t.true(hook.includes('WAIT=$((WAIT * 2))'));
  t.true(hook.includes('store will be stale'));
  t.true(renderSentinelEntrypoint('s', 'q').includes(hook), 'the entrypoint carries the hook verbatim');
});

// --- the hook, run --------------------------------------------------------

interface Seen {
  method: string;
  url: string;
  version: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** An HTTP server answering `statuses` in turn (then 200); records every request. */
async function controller(statuses: number[]) {
  const seen: Seen[] = [];
  const server = createServer((rq, rs) => {
    let body = '';
    rq.on('data', (c) => (body += c));
    rq.on('end', () => {
      seen.push({ method: rq.method!, url: rq.url!, version: rq.httpVersion, headers: rq.headers, body });
      rs.statusCode = statuses.shift() ?? 200;
      rs.setHeader('content-type', 'application/json');
      rs.end('{"status":"ok","data":{"message":"ok"}}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { seen, port: (server.address() as { port: number }).port, close: () => new Promise((r) => server.close(r)) };
}

let scratch: string;
test.before(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'redis-sentinel-'));
  await writeFile(join(scratch, 'hook'), renderHook());
});
test.after.always(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/** Runs the hook with bash; its log (PID 1's stderr in a pod) goes to a file here. */
let runs = 0;
function runHook(args: string[], env: Record<string, string>): Promise<{ code: number; log: string }> {
  const logFile = join(scratch, `hook-${++runs}.log`);
  return new Promise((resolve) => {
    execFile('bash', [join(scratch, 'hook'), ...args], { env: { PATH: process.env.PATH!, VOODU_SENTINEL_HOOK_LOG: logFile, ...env } }, (err, stdout, stderr) =>
      void readFile(logFile, 'utf8')
        .catch(() => '')
        .then((log) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, log: log + stdout + stderr })),
    );
  });
}

const SWITCH = ['voodu-master', 'observer', 'end', 'redis-0.clowk-lp.voodu', '6379', 'redis-2.clowk-lp.voodu', '6379'];
const MON = { VOODU_MONITOR_SCOPE: 'clowk-lp', VOODU_MONITOR_NAME: 'redis' };

test.serial('the hook posts failover --replica <N> --no-restart to <pod URL>/plugin/redis/failover over HTTP/1.0', async (t) => {
  const c = await controller([]);
  try {
    const r = await runHook(SWITCH, { ...MON, VOODU_CONTROLLER_URL: `http://127.0.0.1:${c.port}/pod/TOKEN/` });
    t.is(r.code, 0, r.log);
    t.is(c.seen.length, 1);
    const [req] = c.seen;
    t.is(req!.method, 'POST');
    t.is(req!.url, '/pod/TOKEN/plugin/redis/failover');
    t.is(req!.version, '1.0');
    t.is(req!.headers['content-type'], 'application/json');
    t.is(req!.headers.host, '127.0.0.1', 'Host without the port, as the gate expects from a shell script');
    t.deepEqual(JSON.parse(req!.body), { args: ['clowk-lp/redis', '--replica', '2', '--no-restart'] });
    t.regex(r.log, /voodu-sentinel-hook: master=voodu-master role=observer state=end from=redis-0.clowk-lp.voodu:6379 to=redis-2.clowk-lp.voodu:6379/);
    t.regex(r.log, /answer: HTTP\/1\.1 200 OK/);
    t.regex(r.log, /recorded master ordinal 2 for clowk-lp\/redis/);
  } finally {
    await c.close();
  }
});

test.serial('the hook retries a refused call with a doubling wait, and acts on the leader\'s start too', async (t) => {
  const c = await controller([503, 500]);
  try {
    const started = Date.now();
    const r = await runHook(['voodu-master', 'leader', 'start', 'redis-0.clowk-lp.voodu', '6379', 'redis-1.clowk-lp.voodu', '6379'], { ...MON, VOODU_CONTROLLER_URL: `http://127.0.0.1:${c.port}/pod/T` });
    t.is(r.code, 0);
    t.is(c.seen.length, 3);
    t.true(Date.now() - started >= 3000, 'waited 1 s then 2 s');
    t.deepEqual(JSON.parse(c.seen[2]!.body).args, ['clowk-lp/redis', '--replica', '1', '--no-restart']);
    t.regex(r.log, /attempt 1 of 5 failed; next in 1s/);
    t.regex(r.log, /attempt 2 of 5 failed; next in 2s/);
  } finally {
    await c.close();
  }
});

test.serial('the hook does nothing on other states, without a URL, or without an ordinal in to-ip — and still exits 0', async (t) => {
  const c = await controller([]);
  try {
    const url = `http://127.0.0.1:${c.port}/pod/T`;
    t.is((await runHook(['voodu-master', 'leader', 'failed', 'a', '1', 'redis-1.clowk-lp.voodu', '6379'], { ...MON, VOODU_CONTROLLER_URL: url })).code, 0);
    const noUrl = await runHook(SWITCH, MON);
    t.is(noUrl.code, 0);
    t.regex(noUrl.log, /VOODU_CONTROLLER_URL is not set: the store will be stale/);
    const ip = await runHook(['voodu-master', 'observer', 'end', '172.18.0.2', '6379', '172.18.0.3', '6379'], { ...MON, VOODU_CONTROLLER_URL: url });
    t.is(ip.code, 0);
    t.regex(ip.log, /no ordinal in to-ip=172\.18\.0\.3/);
    t.is(c.seen.length, 0);
  } finally {
    await c.close();
  }
});

test.serial('the hook gives up after 5 attempts against a dead controller, exit 0', async (t) => {
  t.timeout(60_000);
  const dead = await controller([]);
  await dead.close();
  const r = await runHook(SWITCH, { ...MON, VOODU_CONTROLLER_URL: `http://127.0.0.1:${dead.port}/pod/T` });
  t.is(r.code, 0);
  t.regex(r.log, /gave up after 5 attempts.*voodu redis:failover clowk-lp\/redis --replica 2 --no-restart/);
});

test.serial('a failed connect does not swallow the stderr the hook falls back to', async (t) => {
  t.timeout(60_000);
  const dead = await controller([]);
  await dead.close();
  // An unwritable log path: every line goes to stderr instead, the last one after five failed connects.
  const r = await runHook(SWITCH, { ...MON, VOODU_CONTROLLER_URL: `http://127.0.0.1:${dead.port}/pod/T`, VOODU_SENTINEL_HOOK_LOG: '/nonexistent/dir/log' });
  t.regex(r.log, /attempt 5 of 5 failed/);
  t.regex(r.log, /gave up after 5 attempts/);
});

// --- the data entrypoint, run with stub redis binaries -------------------------

interface Peer {
  role?: 'master' | 'slave';
  /** The ordinal a replica follows. */
  follows?: number;
  /** IPs of sentinel clients connected to it. */
  sentinels?: string[];
}

/**
 * Runs the data entrypoint of clowk-lp/redis with stubs on PATH: redis-cli
 * answers for the pods in `peers` (by ordinal) and the sentinels in
 * `sentinels` (IP → the master name they give); any other host fails like an
 * unknown name. redis-server prints its argv. Answers that argv and the log.
 */
async function boot(env: Record<string, string>, peers: Record<number, Peer> = {}, sentinels: Record<string, string> = {}): Promise<{ argv: string; log: string; calls: string }> {
  const dir = await mkdtemp(join(scratch, 'hosts-'));
  const answer = async (host: string, cmd: string, text: string) => {
    await mkdir(join(dir, host), { recursive: true });
    await writeFile(join(dir, host, cmd), text);
  };
  for (const [ord, p] of Object.entries(peers)) {
    const host = `redis-${ord}.clowk-lp.voodu:6379`;
    await mkdir(join(dir, host), { recursive: true });
    if (p.role === 'master') await answer(host, 'info_replication', '# Replication\r\nrole:master\r\nconnected_slaves:1\r\n');
    if (p.role === 'slave') await answer(host, 'info_replication', `# Replication\r\nrole:slave\r\nmaster_host:redis-${p.follows}.clowk-lp.voodu\r\nmaster_port:6379\r\n`);
    await answer(host, 'client_list', (p.sentinels ?? []).map((ip, i) => `id=${i} addr=${ip}:4${i}000 laddr=172.18.0.9:6379 fd=9 name=sentinel-ab${i}-cmd age=9 cmd=ping`).join('\n') + '\nid=99 addr=172.18.0.50:5555 laddr=172.18.0.9:6379 fd=10 name= age=1 cmd=client\n');
  }
  for (const [ip, master] of Object.entries(sentinels)) await answer(`${ip}:26379`, 'sentinel_get-master-addr-by-name_voodu-master', `${master}\n6379\n`);
  const bin = await mkdtemp(join(scratch, 'bin-'));
  await writeFile(
    join(bin, 'redis-cli'),
    `#!/bin/sh
port=6379
while [ $# -gt 0 ]; do case "$1" in -h) host=$2; shift ;; -p) port=$2; shift ;; --no-auth-warning) ;; *) break ;; esac; shift; done
echo "$host:$port $* auth=\${REDISCLI_AUTH:-}" >> "${dir}/calls"
d="${dir}/$host:$port"
if [ ! -d "$d" ]; then echo "Could not connect to Redis at $host:$port: Name or service not known" >&2; exit 1; fi
f="$d/$(echo "$*" | tr ' ' '_')"
if [ -f "$f" ]; then cat "$f"; fi
`,
  );
  await writeFile(join(bin, 'redis-server'), '#!/bin/sh\necho "redis-server $*"\n');
  await chmod(join(bin, 'redis-cli'), 0o755);
  await chmod(join(bin, 'redis-server'), 0o755);
  // The script reads the password from /etc/redis/redis.conf; here that file is absent, so AUTH is empty.
  await writeFile(join(scratch, 'ep.sh'), renderEntrypoint('clowk-lp', 'redis'));
  return new Promise((resolve, reject) => {
    execFile(SH, [join(scratch, 'ep.sh')], { env: { PATH: `${bin}:/usr/bin:/bin`, ...env } }, (err, stdout, stderr) =>
      err
        ? reject(new Error(`${err.message}\n${stderr}`))
        : void readFile(join(dir, 'calls'), 'utf8').catch(() => '').then((calls) => resolve({ argv: stdout.trim(), log: stderr, calls })),
    );
  });
}

const SH = existsSync('/usr/bin/dash') ? '/usr/bin/dash' : 'sh';
const MASTER = (ord: number) => `redis-server /etc/redis/redis.conf --replica-announce-ip redis-${ord}.clowk-lp.voodu`;
const REPLICA = (ord: number, of: number) => `redis-server /etc/redis/redis.conf --replicaof redis-${of}.clowk-lp.voodu 6379 --replica-announce-ip redis-${ord}.clowk-lp.voodu`;
const SENT = ['172.18.0.21', '172.18.0.22', '172.18.0.23'];

test.serial('data entrypoint alone (first boot, no peers): the bucket ordinal decides', async (t) => {
  t.is((await boot({ VOODU_REPLICA_ORDINAL: '0' })).argv, MASTER(0));
  t.is((await boot({ VOODU_REPLICA_ORDINAL: '1' })).argv, REPLICA(1, 0));
  t.is((await boot({ VOODU_REPLICA_ORDINAL: '1', REDIS_MASTER_ORDINAL: '1' })).argv, MASTER(1));
  t.is((await boot({ VOODU_REPLICA_ORDINAL: '0', REDIS_MASTER_ORDINAL: '2' })).argv, REPLICA(0, 2));
});

test.serial('data entrypoint: an old master restarted with a stale bucket follows the sentinels and comes back as a replica', async (t) => {
  const peers: Record<number, Peer> = { 1: { role: 'master', sentinels: SENT }, 2: { role: 'slave', follows: 1, sentinels: SENT } };
  const old = await boot({ VOODU_REPLICA_ORDINAL: '0', REDIS_MASTER_ORDINAL: '0' }, peers, Object.fromEntries(SENT.map((ip) => [ip, 'redis-1.clowk-lp.voodu'])));
  t.is(old.argv, REPLICA(0, 1));
  t.regex(old.log, /sentinels name ordinal 1 as master \(3 of 3 answering\)/);
  t.regex(old.log, /master is ordinal 1 by the sentinels \(REDIS_MASTER_ORDINAL=0 is behind\)/);
  // Each sentinel is asked once, though both pods list it.
  t.is(old.calls.split('\n').filter((l) => l.includes(':26379 sentinel')).length, 3);
  // No password in redis.conf (none here): no AUTH at all rather than an empty one.
  t.true(old.calls.trim().split('\n').every((l) => l.endsWith('auth=')), old.calls);
});

test.serial('data entrypoint: the sentinels win over what the pods say; their majority over a minority', async (t) => {
  // Pod 2 claims master, but the sentinels (2 of 3) say 1.
  const peers: Record<number, Peer> = { 1: { role: 'master', sentinels: SENT }, 2: { role: 'master', sentinels: SENT } };
  const r = await boot({ VOODU_REPLICA_ORDINAL: '0' }, peers, { [SENT[0]!]: 'redis-2.clowk-lp.voodu', [SENT[1]!]: 'redis-1.clowk-lp.voodu', [SENT[2]!]: 'redis-1.clowk-lp.voodu' });
  t.is(r.argv, REPLICA(0, 1));
  // Answers naming another resource, or an IP, do not count.
  const foreign = await boot({ VOODU_REPLICA_ORDINAL: '0', REDIS_MASTER_ORDINAL: '0' }, { 1: { role: 'slave', follows: 0, sentinels: SENT.slice(0, 2) } }, { [SENT[0]!]: 'other-1.clowk-lp.voodu', [SENT[1]!]: '172.18.0.9' });
  t.is(foreign.argv, MASTER(0), 'no sentinel answer counts: the replica waiting for this pod decides');
});

test.serial('data entrypoint without sentinels: the pod that is master, else the master the replicas wait for', async (t) => {
  // A manual promotion (or a hook that never reached the store): pod 2 is master, the bucket says 0.
  t.is((await boot({ VOODU_REPLICA_ORDINAL: '0', REDIS_MASTER_ORDINAL: '0' }, { 1: { role: 'slave', follows: 2 }, 2: { role: 'master' } })).argv, REPLICA(0, 2));
  // The master restarted in place: its replicas still follow it, so it is master again — whatever the bucket says.
  t.is((await boot({ VOODU_REPLICA_ORDINAL: '1', REDIS_MASTER_ORDINAL: '0' }, { 0: { role: 'slave', follows: 1 }, 2: { role: 'slave', follows: 1 } })).argv, MASTER(1));
  // Two masters: the one the replica follows wins.
  t.is((await boot({ VOODU_REPLICA_ORDINAL: '3' }, { 0: { role: 'master' }, 1: { role: 'master' }, 2: { role: 'slave', follows: 1 } })).argv, REPLICA(3, 1));
  // Two masters, no replica: the bucket's breaks the tie.
  t.is((await boot({ VOODU_REPLICA_ORDINAL: '2', REDIS_MASTER_ORDINAL: '1' }, { 0: { role: 'master' }, 1: { role: 'master' } })).argv, REPLICA(2, 1));
});

test.serial('data entrypoint: peers are probed up to two missing names in a row, so a frozen pod leaves no blind spot', async (t) => {
  // Pod 1 frozen (its name gone from DNS), pod 2 is the master.
  const r = await boot({ VOODU_REPLICA_ORDINAL: '0', REDIS_MASTER_ORDINAL: '0' }, { 2: { role: 'master' } });
  t.is(r.argv, REPLICA(0, 2));
  const probed = r.calls.split('\n').filter((l) => l.includes('info replication')).map((l) => l.split(':')[0]);
  t.deepEqual(probed, ['redis-1.clowk-lp.voodu', 'redis-2.clowk-lp.voodu', 'redis-3.clowk-lp.voodu', 'redis-4.clowk-lp.voodu']);
});

test('the data entrypoint is POSIX sh (no bashisms), the sentinel scripts parse as bash', async (t) => {
  const check = (shell: string, text: string) =>
    new Promise<string>((resolve) => {
      const file = join(scratch, `${shell}-${Math.random().toString(16).slice(2)}.sh`);
      void writeFile(file, text).then(() => execFile(shell, ['-n', file], (err, _o, stderr) => resolve(err ? stderr || err.message : '')));
    });
  const dash = await new Promise<boolean>((r) => execFile('sh', ['-c', 'command -v dash'], (e) => r(!e)));
  t.is(await check(dash ? 'dash' : 'sh', renderEntrypoint('clowk-lp', 'redis')), '');
  t.is(await check('bash', renderSentinelEntrypoint('clowk-lp', 'redis-quorum')), '');
  t.is(await check('bash', renderHook()), '');
  t.truthy(await readFile(join(scratch, 'hook'), 'utf8'));
});
