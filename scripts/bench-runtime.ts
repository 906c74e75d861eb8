/**
 * What the runtime layer costs over raw dockerode: create+start+remove of
 * N containers, one at a time, through DockerRuntime.run and through
 * createContainer+start with the same engine options (the peer).
 * Everything it makes carries a bench label and is removed at the end.
 *
 *   node --import=tsx scripts/bench-runtime.ts [--count 10] [--rounds 1]
 */
import { randomBytes } from 'node:crypto';
import Docker from 'dockerode';
import { DockerRuntime } from '../modules/runtime/docker-runtime.js';
import type { ContainerSpec } from '../modules/runtime/contract.js';

const IMAGE = 'voodu-test/busybox:1';
const LOOP = ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 1; done'];

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i === -1 ? fallback : Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} needs a positive integer`);
  return v;
}

const count = arg('count', 10);
const rounds = arg('rounds', 1);
const runId = randomBytes(3).toString('hex');
const benchLabel = { 'voodu.bench': runId };
const rt = new DockerRuntime();
const docker = new Docker({ socketPath: rt.socketPath });

interface Sample {
  createStart: number;
  remove: number;
}

function specFor(i: number, impl: string): ContainerSpec {
  return {
    name: `vb-${runId}-${impl}-${i}`,
    image: IMAGE,
    command: LOOP,
    labels: { ...benchLabel },
    aliases: [`bench-${i}.${runId}`, `bench-${i}.${runId}.voodu`],
    restart: 'unless-stopped',
    cpus: 0.5,
    memoryBytes: 64 * 1024 * 1024,
  };
}

/** The same container as specFor, built by hand: what a caller without the runtime would send. */
async function peerCreateStart(i: number): Promise<string> {
  const s = specFor(i, 'peer');
  const c = await docker.createContainer({
    name: s.name,
    Image: s.image,
    Cmd: s.command!,
    Labels: { createdby: 'voodu', ...s.labels },
    Env: [],
    HostConfig: {
      NetworkMode: rt.network,
      ExtraHosts: ['host.docker.internal:host-gateway'],
      RestartPolicy: { Name: 'unless-stopped' },
      NanoCpus: 5e8,
      Memory: s.memoryBytes!,
    },
    NetworkingConfig: { EndpointsConfig: { [rt.network]: { Aliases: s.aliases! } } },
  });
  await c.start();
  return c.id;
}

async function measure(impl: 'runtime' | 'peer', n: number): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const id = impl === 'runtime' ? (await rt.run(specFor(i, 'rt'))).id : await peerCreateStart(i);
    const t1 = performance.now();
    await docker.getContainer(id).remove({ force: true });
    samples.push({ createStart: t1 - t0, remove: performance.now() - t1 });
  }
  return samples;
}

function summary(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const avg = values.reduce((a, b) => a + b, 0) / values.length;
  return { avg, p50: sorted[Math.floor(sorted.length / 2)]!, max: sorted.at(-1)! };
}

async function cleanup(): Promise<number> {
  const filters = { label: [`voodu.bench=${runId}`] };
  const left = await docker.listContainers({ all: true, filters });
  await Promise.all(left.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  return left.length;
}

async function main(): Promise<void> {
  await rt.ping();
  await rt.ensureNetwork();
  await docker.getImage(IMAGE).inspect().catch(() => {
    throw new Error(`image ${IMAGE} is missing; run \`bash scripts/build-test-images\``);
  });
  // One of each first, so neither side pays for a cold engine cache.
  await measure('runtime', 1);
  await measure('peer', 1);

  const all: Record<'runtime' | 'peer', Sample[]> = { runtime: [], peer: [] };
  const wall: Record<'runtime' | 'peer', number> = { runtime: 0, peer: 0 };
  for (let r = 0; r < rounds; r++) {
    // Alternate who goes first, so drift in the engine does not favour one side.
    const order: ('runtime' | 'peer')[] = r % 2 === 0 ? ['runtime', 'peer'] : ['peer', 'runtime'];
    for (const impl of order) {
      const t0 = performance.now();
      all[impl].push(...(await measure(impl, count)));
      wall[impl] += performance.now() - t0;
    }
  }

  const ms = (v: number) => `${v.toFixed(0)} ms`.padStart(8);
  const rows = (['runtime', 'peer'] as const).map((impl) => {
    const cs = summary(all[impl].map((s) => s.createStart));
    const rm = summary(all[impl].map((s) => s.remove));
    const label = impl === 'runtime' ? 'DockerRuntime.run' : 'dockerode create+start';
    return `| ${label.padEnd(22)} | ${String(all[impl].length).padStart(3)} | ${ms(cs.avg)} | ${ms(cs.p50)} | ${ms(cs.max)} | ${ms(rm.avg)} | ${(wall[impl] / 1000).toFixed(2).padStart(6)} s |`;
  });
  console.log(`\ncreate+start+remove, sequential, ${count} containers x ${rounds} round(s), network ${rt.network} + 2 aliases, 0.5 CPU, 64 MiB\n`);
  console.log('| path                   |   n | c+s avg  | c+s p50  | c+s max  | rm avg   | total    |');
  console.log('|------------------------|-----|----------|----------|----------|----------|----------|');
  for (const row of rows) console.log(row);
  const extra = summary(all.runtime.map((s) => s.createStart)).avg - summary(all.peer.map((s) => s.createStart)).avg;
  console.log(`\nruntime overhead per create+start: ${extra.toFixed(0)} ms (image check, env merge, inspect of the result)`);
}

try {
  await main();
} finally {
  const left = await cleanup();
  if (left) console.error(`removed ${left} leftover bench container(s)`);
  rt.close();
}
