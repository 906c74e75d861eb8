/**
 * The HTTP load generator the `bench-*` scripts share: N requests over C
 * keep-alive connections, latency per request, p50/p99, and one table
 * printed the same way for every comparison.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';

export interface LoadResult {
  name: string;
  done: number;
  errors: number;
  seconds: number;
  p50: number;
  p99: number;
  statuses: Record<number, number>;
}

export interface LoadOptions {
  requests: number;
  concurrency: number;
  /** Stop a round that runs longer than this, whatever is left. */
  limitMs: number;
  /** Request `i` (the round-robin index) as `http.get` options; the agent is added here. */
  request(i: number): http.RequestOptions;
}

export async function load(name: string, opts: LoadOptions): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency });
  const lat: number[] = [];
  const statuses: Record<number, number> = {};
  let next = 0;
  let errors = 0;
  const started = performance.now();
  const one = (i: number) =>
    new Promise<number>((resolve, reject) => {
      const req = http.get({ ...opts.request(i), agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
    });
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (next < opts.requests && performance.now() - started < opts.limitMs) {
        const i = next++;
        const t0 = performance.now();
        try {
          const status = await one(i);
          statuses[status] = (statuses[status] ?? 0) + 1;
          lat.push(performance.now() - t0);
        } catch {
          errors++;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  lat.sort((a, b) => a - b);
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? NaN;
  return { name, done: lat.length, errors, seconds, p50: q(0.5), p99: q(0.99), statuses };
}

/** One row per result under a heading; `label` names the first column (server, target). */
export function printResults(heading: string, label: string, results: LoadResult[]): void {
  console.log(`\n${heading}\n`);
  console.log(`${label.padEnd(32)} ${'req/s'.padStart(9)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'done'.padStart(7)} ${'errors'.padStart(7)}  statuses`);
  for (const r of results) {
    console.log(
      `${r.name.padEnd(32)} ${(r.done / r.seconds).toFixed(0).padStart(9)} ${r.p50.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(8)} ${String(r.done).padStart(7)} ${String(r.errors).padStart(7)}  ${JSON.stringify(r.statuses)}`,
    );
  }
}
