/**
 * Apply → first container created, and apply → all replicas running, for a
 * deployment of N replicas through the real controller (HTTP, etcd watch,
 * reconciler, readiness-gated creation), beside the peer: raw dockerode
 * creating and starting the same N containers (4 at a time).
 *
 *   node --import=tsx scripts/bench-deploy.ts [--sizes 10,50]
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { bootController } from '../test/helpers/controller.js';
import { apiFetch } from '../test/helpers/http.js';
import { TEST_IMAGE, cleanupDocker, dockerClient, requireDocker } from '../test/helpers/docker.js';
import { startEtcd } from '../test/helpers/etcd.js';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '10,50' } } });
const sizes = values.sizes!.split(',').map(Number);
const docker = dockerClient();
await requireDocker(docker);
const scope = `bench${randomBytes(3).toString('hex')}`;
const etcd = await startEtcd();
const ctl = await bootController({ flags: ['--etcd-endpoints', etcd.endpoint, '--log-level', 'error'] });
const LOOP = ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 1; done'];

async function running(label: string): Promise<number> {
  const list = await docker.listContainers({ filters: { label: [label], status: ['running'] } });
  return list.length;
}

async function viaController(n: number) {
  const name = `web${n}`;
  const label = `voodu.name=${name}`;
  const t0 = performance.now();
  let firstCreate = 0;
  const events = (await docker.getEvents({ filters: { type: ['container'], event: ['create'], label: [`voodu.scope=${scope}`, label] } })) as NodeJS.ReadableStream & { destroy(): void };
  events.once('data', () => (firstCreate = performance.now() - t0));
  const res = await apiFetch(ctl, `/apply`, {
    method: 'POST',
    body: JSON.stringify({ kind: 'deployment', scope, name, spec: { image: TEST_IMAGE, replicas: n, command: LOOP } }),
  });
  if (!res.ok) throw new Error(await res.text());
  while ((await running(label)) < n) await new Promise((r) => setTimeout(r, 100));
  const all = performance.now() - t0;
  events.destroy();
  await apiFetch(ctl, `/apply?kind=deployment&scope=${scope}&name=${name}`, { method: 'DELETE' });
  while ((await docker.listContainers({ all: true, filters: { label: [label, `voodu.scope=${scope}`] } })).length) await new Promise((r) => setTimeout(r, 200));
  return { firstCreate, all };
}

async function viaDockerode(n: number) {
  const label = `voodu.bench=${scope}`;
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const c = await docker.createContainer({
        name: `${scope}-peer-${n}-${i}`,
        Image: TEST_IMAGE,
        Cmd: LOOP,
        Labels: { 'voodu.bench': scope, createdby: 'voodu-bench' },
        HostConfig: { NetworkMode: 'voodu0' },
        NetworkingConfig: { EndpointsConfig: { voodu0: { Aliases: [`peer${n}.${scope}`] } } },
      });
      await c.start();
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  const all = performance.now() - t0;
  await cleanupDocker(label);
  return all;
}

try {
  console.log('deployment of N busybox replicas (voodu0 alias each), ms');
  console.log('N    apply→first create   apply→all running   peer: dockerode create+start (×4)');
  for (const n of sizes) {
    const c = await viaController(n);
    const peer = await viaDockerode(n);
    console.log(`${String(n).padEnd(4)} ${c.firstCreate.toFixed(0).padStart(18)} ${c.all.toFixed(0).padStart(19)} ${peer.toFixed(0).padStart(34)}`);
  }
} finally {
  await ctl.cleanup();
  await etcd.stop();
  await cleanupDocker(`voodu.scope=${scope}`);
  process.exit(0);
}
