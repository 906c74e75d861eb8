/**
 * EtcdStore against the raw etcd3 client ("peer") on a fresh etcd, so the
 * wrapper's overhead shows side by side.
 *
 *   node --import=tsx scripts/bench-store.ts
 *
 * Rounds alternate wrapper and peer so neither always runs on a colder etcd.
 */
import { Etcd3 } from 'etcd3';
import { performance } from 'node:perf_hooks';
import { startEtcd } from '../test/helpers/etcd.js';
import type { Store } from '../modules/store/contract.js';

const PUTS = 500;
const WATCH_SAMPLES = 300;
const ROUNDS = 2;
const WARMUP = 50;
const VALUE = JSON.stringify({ kind: 'deployment', scope: 'bench', name: 'api', spec: { image: 'x:1', replicas: 3 } });

interface Target {
  name: string;
  put(key: string, value: string): Promise<unknown>;
  /** Starts a prefix watch calling `onPut(key)`; returns its closer. */
  watch(prefix: string, onPut: (key: string) => void): Promise<() => Promise<void>>;
}

function wrapper(store: Store): Target {
  return {
    name: 'EtcdStore',
    put: (k, v) => store.put(k, v),
    async watch(prefix, onPut) {
      const w = await store.watch(prefix, { onEvent: (e) => (e.type === 'put' ? onPut(e.key) : undefined) });
      return () => w.close();
    },
  };
}

function peer(client: Etcd3): Target {
  return {
    name: 'raw etcd3',
    put: (k, v) => client.put(k).value(v).exec(),
    async watch(prefix, onPut) {
      const w = await client.watch().prefix(prefix).create();
      w.on('put', (kv) => onPut(kv.key.toString()));
      return async () => {
        await w.cancel();
      };
    },
  };
}

async function sequentialPuts(t: Target, tag: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await t.put(`/bench/${tag}/put/${i}`, VALUE);
    out.push(performance.now() - t0);
  }
  return out;
}

/** put() call → its watch event, one at a time. */
async function watchLatency(t: Target, tag: string, n: number): Promise<number[]> {
  const prefix = `/bench/${tag}/watch/`;
  let waiting: { key: string; resolve: (at: number) => void } | undefined;
  const close = await t.watch(prefix, (key) => {
    if (waiting && key === waiting.key) waiting.resolve(performance.now());
  });
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const key = `${prefix}${i}`;
    const seen = new Promise<number>((resolve) => (waiting = { key, resolve }));
    const t0 = performance.now();
    await t.put(key, VALUE);
    out.push((await seen) - t0);
  }
  await close();
  return out;
}

function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
  return { n: s.length, avg: s.reduce((a, b) => a + b, 0) / s.length, p50: at(0.5), p99: at(0.99) };
}

const fmt = (x: { n: number; avg: number; p50: number; p99: number }) =>
  `${x.avg.toFixed(2)} / ${x.p50.toFixed(2)} / ${x.p99.toFixed(2)}`.padEnd(22) + `(n=${x.n})`;

const e = await startEtcd();
const client = new Etcd3({ hosts: e.endpoint });
try {
  const targets = [wrapper(e.store), peer(client)];
  const results = new Map(targets.map((t) => [t.name, { put: [] as number[], watch: [] as number[] }]));
  for (const t of targets) await sequentialPuts(t, `warm-${t.name.replace(/\W/g, '')}`, WARMUP);
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? targets : [...targets].reverse();
    for (const t of order) {
      const tag = `${t.name.replace(/\W/g, '')}-${r}`;
      const res = results.get(t.name)!;
      res.put.push(...(await sequentialPuts(t, tag, PUTS / ROUNDS)));
      res.watch.push(...(await watchLatency(t, tag, WATCH_SAMPLES / ROUNDS)));
    }
  }

  console.log(`etcd ${e.endpoint} (fresh, temp data dir); node ${process.version}; value ${VALUE.length} bytes`);
  console.log('');
  console.log(`${'ms: avg / p50 / p99'.padEnd(34)}${targets.map((t) => t.name.padEnd(32)).join('')}`);
  console.log(`${`${PUTS} sequential puts`.padEnd(34)}${targets.map((t) => fmt(stats(results.get(t.name)!.put)).padEnd(32)).join('')}`);
  console.log(
    `${`put → watch event (${WATCH_SAMPLES} samples)`.padEnd(34)}${targets.map((t) => fmt(stats(results.get(t.name)!.watch)).padEnd(32)).join('')}`,
  );
} finally {
  client.close();
  await e.stop();
}
// etcd3 leaves un-unref'd backoff timers behind, which would keep the process alive.
process.exit(0);
