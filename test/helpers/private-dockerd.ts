/**
 * A Docker engine of the test's own: a second containerd and dockerd on
 * this host with their own sockets, roots and state, so a test can stop and
 * start the engine (the fault a package upgrade or an OOM kill causes)
 * without touching the engine every other test runs on. Both run in a mount
 * and a network namespace of their own (`unshare --mount --net`):
 * - container root filesystems are mounted there only, so none can leak into
 *   the host's mount namespace and keep a container from being removed after
 *   a restart (a shared containerd did exactly that);
 * - its bridges, addresses and links are its own: a second dockerd in the
 *   host's network namespace deletes the host's `docker0` at start (even
 *   with `--bridge` set to another link), and every container of the main
 *   engine on network `bridge` then fails to start.
 * The API is its unix socket, reachable from the test; container IPs are
 * not, so probes in tests against it are `exec` ones. The test images are
 * copied in from the main engine (`docker save` | `docker load`), so
 * nothing is pulled.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { dockerClient } from './docker.js';
import { requireBinary } from './require.js';

export interface PrivateDockerd {
  socketPath: string;
  docker: Docker;
  /** Stops the engine as systemd would (SIGTERM, then wait): its containers stop with it, then containerd. */
  stop(): Promise<void>;
  /** Starts containerd and dockerd again on the same data: containers with a restart policy come back. */
  start(): Promise<void>;
  /** Removes every container, stops the engine and deletes its directories. Safe to call twice. */
  cleanup(): Promise<void>;
}

export async function startPrivateDockerd(images: string[]): Promise<PrivateDockerd> {
  for (const bin of ['dockerd', 'containerd', 'unshare', 'ip']) requireBinary(bin);
  const dir = await mkdtemp(join(tmpdir(), 'voodu-dockerd-'));
  const socketPath = join(dir, 'docker.sock');
  const containerdSocket = join(dir, 'containerd.sock');
  await writeFile(
    join(dir, 'containerd.toml'),
    [
      'version = 2',
      `root = ${JSON.stringify(join(dir, 'containerd-root'))}`,
      `state = ${JSON.stringify(join(dir, 'containerd-state'))}`,
      '[grpc]',
      `  address = ${JSON.stringify(containerdSocket)}`,
      '[ttrpc]',
      `  address = ${JSON.stringify(`${containerdSocket}.ttrpc`)}`,
      '[debug]',
      '  address = ""',
      '[metrics]',
      '  address = ""',
      '',
    ].join('\n'),
  );
  const dockerdArgv = [
    '--containerd', containerdSocket,
    '--host', `unix://${socketPath}`,
    '--data-root', join(dir, 'data'),
    '--exec-root', join(dir, 'exec'),
    '--pidfile', join(dir, 'docker.pid'),
    '--iptables=false',
    '--ip6tables=false',
    '--shutdown-timeout', '5',
  ];
  // containerd in the background, dockerd in the foreground; SIGTERM stops dockerd first (it stops the
  // containers), then containerd. Paths and flags are ours, passed as positional arguments, never spliced.
  const script = [
    'ip link set lo up',
    'containerd --config "$1" & cpid=$!',
    'shift',
    'trap \'kill -TERM $dpid 2>/dev/null; wait $dpid; kill -TERM $cpid; wait $cpid; exit 0\' TERM INT',
    'i=0; while [ ! -S "$CONTAINERD_SOCKET" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done',
    'dockerd "$@" & dpid=$!',
    'wait $dpid',
  ].join('\n');
  const argv = ['--mount', '--net', '--propagation', 'slave', 'sh', '-c', script, 'engine', join(dir, 'containerd.toml'), ...dockerdArgv];
  const docker = new Docker({ socketPath });
  let proc: ChildProcess | undefined;
  let log = '';

  const start = async () => {
    const child = spawn('unshare', argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CONTAINERD_SOCKET: containerdSocket } });
    child.stdout!.on('data', (c) => (log = (log + c).slice(-8000)));
    child.stderr!.on('data', (c) => (log = (log + c).slice(-8000)));
    proc = child;
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the private dockerd exited with ${child.exitCode}:\n${log}`);
      if (await docker.ping().then(() => true, () => false)) return;
      if (Date.now() > deadline) throw new Error(`the private dockerd does not answer on ${socketPath} after 30 s:\n${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const stop = async () => {
    const child = proc;
    proc = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  };

  try {
    await start();
    const main = dockerClient();
    for (const image of images) {
      const tar = await main.getImage(image).get();
      await new Promise<void>((resolve, reject) => {
        docker.loadImage(tar, {}, (err: unknown, res: NodeJS.ReadableStream | undefined) => {
          if (err || !res) return reject(err ?? new Error(`loading ${image}: no answer`));
          res.on('error', reject).on('end', () => resolve()).resume();
        });
      });
    }
  } catch (err) {
    await stop();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }

  let cleaned = false;
  return {
    socketPath,
    docker,
    stop,
    start,
    async cleanup() {
      if (cleaned) return;
      cleaned = true;
      if (!proc) await start().catch(() => undefined);
      const all = await docker.listContainers({ all: true }).catch(() => []);
      await Promise.all(all.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
      const nets = (await docker.listNetworks().catch(() => [])).filter((n) => !['none', 'host', 'bridge'].includes(n.Name));
      await Promise.all(nets.map((n) => docker.getNetwork(n.Id).remove().catch((err) => process.stderr.write(`private dockerd: removing network ${n.Name}: ${err}\n`))));
      await stop();
        await rm(dir, { recursive: true, force: true });
    },
  };
}
