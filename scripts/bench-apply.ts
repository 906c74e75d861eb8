/**
 * Apply of N manifests through the real HTTP API (dry run, and the real
 * one-transaction write), beside the peer: the same manifests written by
 * the raw etcd3 client in one transaction. The gap is the pipeline's cost
 * (HTTP, decode, validation, stamping, planning).
 *
 *   node --import=tsx scripts/bench-apply.ts [--count 100] [--rounds 5]
 */
import { parseArgs } from 'node:util';
import { bootController } from '../test/helpers/controller.js';
import { apiFetch } from '../test/helpers/http.js';
import { startEtcd } from '../test/helpers/etcd.js';

const { values } = parseArgs({ options: { count: { type: 'string', default: '100' }, rounds: { type: 'string', default: '5' } } });
const count = Number(values.count);
const rounds = Number(values.rounds);

const etcd = await startEtcd();
const ctl = await bootController({ modules: { disable: ['runtime'] }, flags: ['--etcd-endpoints', etcd.endpoint, '--log-level', 'error'] });

const manifests = (round: number) =>
  Array.from({ length: count }, (_, i) => ({
    kind: 'deployment',
    scope: 'bench',
    name: `svc-${i}`,
    spec: { image: `example/svc:${round}`, replicas: 2, ports: ['8080'], env: { ROUND: String(round), INDEX: String(i) } },
  }));

async function post(query: string, body: unknown): Promise<number> {
  const started = performance.now();
  const res = await apiFetch(ctl, `/apply${query}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  const json = (await res.json()) as { status: string; error?: string };
  if (json.status !== 'ok') throw new Error(json.error);
  return performance.now() - started;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const dry: number[] = [];
const real: number[] = [];
const peer: number[] = [];
try {
  await post('', manifests(0)); // warm up: JIT, connections, first keys
  for (let r = 1; r <= rounds; r++) {
    dry.push(await post('?dry_run=true', manifests(r)));
    real.push(await post('', manifests(r)));
    const batch = manifests(r + 1000);
    const started = performance.now();
    await etcd.store.txn({ success: batch.map((m) => ({ op: 'put' as const, key: `/bench-peer/${m.name}`, value: JSON.stringify(m) })) });
    peer.push(performance.now() - started);
  }
  const bytes = JSON.stringify(manifests(1)).length;
  console.log(`apply of ${count} deployment manifests (${(bytes / 1024).toFixed(1)} KiB body), median of ${rounds} rounds`);
  console.log('path                                   median ms   min ms   max ms');
  const row = (name: string, xs: number[]) =>
    console.log(`${name.padEnd(38)} ${median(xs).toFixed(1).padStart(9)} ${Math.min(...xs).toFixed(1).padStart(8)} ${Math.max(...xs).toFixed(1).padStart(8)}`);
  row('POST /apply?dry_run=true', dry);
  row('POST /apply (one etcd transaction)', real);
  row('peer: raw etcd3 txn of the same puts', peer);
} finally {
  await etcd.store.deletePrefix('/bench-peer/');
  await ctl.cleanup();
  await etcd.stop();
  process.exit(0);
}
