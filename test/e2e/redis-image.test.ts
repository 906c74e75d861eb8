/**
 * The `voodu-test/redis:7` image (scripts/build-redis-image) does what the
 * redis plugin's tests ask of it, on the real engine: its default command
 * serves, the shell tools an entrypoint script uses are there, a replica
 * follows a master over a Docker network by name, and a sentinel (both
 * spellings) monitors that master with `resolve-hostnames`. Every container
 * and the network carry this file's run label and are removed at the end.
 */
import test from 'ava';
import { DockerRuntime } from '../../modules/runtime/docker-runtime.js';
import { cleanupDocker, dockerClient, requireDocker, testRunLabel, uniqueName } from '../helpers/docker.js';
import { waitFor } from '../helpers/wait.js';

const IMAGE = 'voodu-test/redis:7';
const PASSWORD = 'p4ss-w0rd';
const docker = dockerClient();
const runtime = new DockerRuntime();
const run = testRunLabel();
let network = '';

test.before(async () => {
  await requireDocker(docker);
  await docker
    .getImage(IMAGE)
    .inspect()
    .catch(() => {
      throw new Error(`prerequisite missing: image ${IMAGE} is not present; run \`bash scripts/build-test-images\` (or scripts/build-redis-image)`);
    });
  network = uniqueName('vt-redis-net');
  await docker.createNetwork({ Name: network, Driver: 'bridge', Labels: run.labels });
});

test.after.always(async () => {
  await cleanupDocker(run.filter, docker);
});

/** Starts a labelled container of the image on the test network; `cmd` undefined keeps the image's CMD. */
async function start(prefix: string, cmd?: string[], env: string[] = []): Promise<string> {
  const name = uniqueName(prefix);
  const c = await docker.createContainer({
    name,
    Image: IMAGE,
    ...(cmd ? { Cmd: cmd } : {}),
    Env: env,
    Labels: run.labels,
    HostConfig: { NetworkMode: network },
  });
  await c.start();
  return name;
}

async function sh(container: string, script: string): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return runtime.exec(container, { cmd: ['bash', '-c', script] });
}

const cli = (container: string, ...args: string[]) => runtime.exec(container, { cmd: ['redis-cli', '--no-auth-warning', '-a', PASSWORD, ...args] });
const logsOf = async (container: string) => (await docker.getContainer(container).logs({ stdout: true, stderr: true, tail: 30 })).toString('utf8');

/** `waitFor`, with the container's last log lines in the timeout error. */
async function waitOn<T>(what: string, container: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  try {
    return await waitFor(what, fn, { timeoutMs });
  } catch (err) {
    throw new Error(`${err instanceof Error ? err.message : String(err)}\nlast log lines of ${container}:\n${await logsOf(container)}`);
  }
}

test('the default command serves as root from /data, and the shell tools of an entrypoint script are on PATH', async (t) => {
  const info = await docker.getImage(IMAGE).inspect();
  t.deepEqual(info.Config.Cmd, ['redis-server']);
  const plain = await start('vt-redis-plain');
  const pong = await waitOn('PONG from the default command', plain, async () => ((await runtime.exec(plain, { cmd: ['redis-cli', 'ping'] })).stdout.trim() === 'PONG' ? true : undefined));
  t.true(pong);

  const tools = await sh(
    plain,
    [
      'for c in redis-server redis-cli redis-sentinel bash sh sed grep cat mkdir chmod sleep timeout; do command -v "$c" >/dev/null || echo "missing $c"; done',
      'echo "uid=$(id -u) cwd=$(pwd)"',
      'mkdir -p /data/sub && echo hello > /data/sub/f && chmod 600 /data/sub/f && cat /data/sub/f | sed s/hello/sed-ok/ | grep -c sed-ok',
      'timeout 1 sleep 5; echo "timeout exit $?"',
      'sh -c "echo sh-ok"',
    ].join('\n'),
  );
  t.is(tools.exitCode, 0, tools.stderr);
  t.notRegex(tools.stdout, /missing/);
  t.regex(tools.stdout, /uid=0 cwd=\/data/);
  t.regex(tools.stdout, /^1$/m);
  // busybox's timeout, as in redis:7-alpine: a killed command exits 143 (coreutils says 124).
  t.regex(tools.stdout, /timeout exit (124|143)/);
  t.regex(tools.stdout, /sh-ok/);
  // The server itself runs as root and saves into /data.
  t.is((await runtime.exec(plain, { cmd: ['redis-cli', 'save'] })).stdout.trim(), 'OK');
  t.is((await sh(plain, 'test -s /data/dump.rdb && echo saved')).stdout.trim(), 'saved');
});

test('a replica follows its master by container name, and sentinels (redis-server --sentinel and redis-sentinel) monitor it', async (t) => {
  const master = await start('vt-redis-m', ['redis-server', '--requirepass', PASSWORD, '--masterauth', PASSWORD]);
  const replica = await start('vt-redis-r', ['redis-server', '--requirepass', PASSWORD, '--masterauth', PASSWORD, '--replicaof', master, '6379']);
  await waitOn('the master to answer', master, async () => ((await cli(master, 'ping')).stdout.trim() === 'PONG' ? true : undefined));
  t.is((await cli(master, 'set', 'greeting', 'from-master')).stdout.trim(), 'OK');
  const replicated = await waitOn('the key on the replica', replica, async () => ((await cli(replica, 'get', 'greeting')).stdout.trim() === 'from-master' ? true : undefined));
  t.true(replicated);
  const replication = (await cli(replica, 'info', 'replication')).stdout;
  t.regex(replication, /role:slave/);
  t.regex(replication, /master_link_status:up/);
  t.regex((await cli(replica, 'set', 'x', '1')).stdout, /READONLY/);

  // The conf is written by the container itself: a sentinel rewrites its own file, so it must be writable.
  const conf = ['port 26379', 'sentinel resolve-hostnames yes', `sentinel monitor mymaster ${master} 6379 1`, `sentinel auth-pass mymaster ${PASSWORD}`, 'sentinel down-after-milliseconds mymaster 5000', ''].join('\n');
  const boot = (binary: string[]) => ['sh', '-c', `printf '%s' "$SENTINEL_CONF" > /data/sentinel.conf && exec ${binary.join(' ')}`];
  const s1 = await start('vt-redis-s', boot(['redis-server', '/data/sentinel.conf', '--sentinel']), [`SENTINEL_CONF=${conf}`]);
  const s2 = await start('vt-redis-s', boot(['redis-sentinel', '/data/sentinel.conf']), [`SENTINEL_CONF=${conf}`]);
  const masterIp = (await docker.getContainer(master).inspect()).NetworkSettings.Networks[network]?.IPAddress;
  t.truthy(masterIp);
  for (const s of [s1, s2]) {
    const sentinel = (...args: string[]) => runtime.exec(s, { cmd: ['redis-cli', '-p', '26379', ...args] });
    const addr = await waitOn(`${s} to know the master`, s, async () => {
      const out = (await sentinel('sentinel', 'get-master-addr-by-name', 'mymaster')).stdout.trim().split('\n');
      return out.length === 2 ? out : undefined;
    });
    t.is(addr[1], '6379');
    t.true(addr[0] === masterIp || addr[0] === master, `master address ${addr[0]}`);
    // The replica is learned from the master (auth-pass worked), the other sentinel through the master's hello channel.
    await waitOn(`${s} to see the replica and the other sentinel`, s, async () => {
      const fields = (await sentinel('sentinel', 'master', 'mymaster')).stdout.split('\n').map((l) => l.trim());
      const value = (key: string) => fields[fields.indexOf(key) + 1];
      return value('num-slaves') === '1' && value('num-other-sentinels') === '1' ? true : undefined;
    }, 20_000);
  }
  t.regex(await logsOf(s1), /Sentinel ID is/);
});
