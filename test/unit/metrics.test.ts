/** The metrics module's registry rules, the call timer the store and runtime are wrapped in, and the loopback door of /metrics. */
import test from 'ava';
import type { IncomingMessage } from 'node:http';
import parsePrometheus from 'parse-prometheus-text-format';
import { Kernel, createLogger } from '../../kernel/index.js';
import { timedCalls } from '../../lib/timed-calls.js';
import { PluginCapabilities } from '../../modules/api/capabilities.js';
import { Gate, isLoopback, type Listener } from '../../modules/api/gate.js';
import { RouteTable } from '../../modules/api/route-table.js';
import metricsModule from '../../modules/metrics/index.js';
import type { Metrics } from '../../modules/metrics/contract.js';

const quiet = () => createLogger({ sink: () => {} });

async function bootMetrics(): Promise<{ metrics: Metrics; stop: () => Promise<void> }> {
  const kernel = new Kernel({ log: quiet() });
  await kernel.boot([{ module: metricsModule, options: {} }]);
  return { metrics: kernel.services.get('metrics', 'test'), stop: () => kernel.shutdown() };
}

class Client {
  #calls = 0;
  async get(key: string): Promise<string> {
    this.#calls++;
    return `value of ${key}`;
  }
  async fail(): Promise<never> {
    throw new Error('etcd is down');
  }
  name(): string {
    return `client after ${this.#calls} call(s)`;
  }
}

test('timedCalls times every async call with its result, and passes sync methods and private fields through', async (t) => {
  const seen: Array<[string, boolean]> = [];
  const client = timedCalls(new Client(), (method, seconds, ok) => {
    t.true(seconds >= 0 && seconds < 5);
    seen.push([method, ok]);
  });
  t.is(await client.get('/a'), 'value of /a');
  await t.throwsAsync(client.fail(), { message: 'etcd is down' });
  t.is(client.name(), 'client after 1 call(s)', 'private fields still reachable: the method ran on the real object');
  t.deepEqual(seen, [['get', true], ['fail', false]], 'a sync answer is not timed');
  t.is(client.get, client.get, 'one wrapper per method, not one per property read');
});

test('timedCalls leaves skipped methods alone', async (t) => {
  const seen: string[] = [];
  const client = timedCalls(new Client(), (method) => seen.push(method), ['get']);
  await client.get('/a');
  t.deepEqual(seen, []);
});

test('a family is declared once: asking again answers the same one; a bad name or another type is refused by name', async (t) => {
  const { metrics, stop } = await bootMetrics();
  t.teardown(stop);
  const a = metrics.counter({ name: 'voodu_things_total', help: 'things', labelNames: ['kind'] });
  const b = metrics.counter({ name: 'voodu_things_total', help: 'things', labelNames: ['kind'] });
  t.is(a, b);
  t.throws(() => metrics.counter({ name: 'things_total', help: 'x' }), { message: /metric "things_total": names are voodu_/ });
  t.throws(() => metrics.counter({ name: 'voodu_Things', help: 'x' }), { message: /names are voodu_/ });
  t.throws(() => metrics.gauge({ name: 'voodu_things_total', help: 'x' }), { message: /"voodu_things_total" is already registered as another type/ });
});

test('render is the Prometheus text format: build info, process metrics and the declared families, as a parser reads them', async (t) => {
  const { metrics, stop } = await bootMetrics();
  t.teardown(stop);
  metrics.counter({ name: 'voodu_things_total', help: 'things', labelNames: ['kind'] }).inc({ kind: 'deployment' }, 3);
  metrics.histogram({ name: 'voodu_wait_seconds', help: 'waits', buckets: [0.1, 1] }).observe(0.5);
  const { contentType, body } = await metrics.render();
  t.regex(contentType, /^text\/plain; version=0\.0\.4/);
  const families = new Map(parsePrometheus(body).map((f) => [f.name, f]));
  t.is(families.get('voodu_build_info')?.metrics[0]?.value, '1');
  t.truthy(families.get('voodu_build_info')?.metrics[0]?.labels?.version);
  t.is(families.get('voodu_things_total')?.type, 'COUNTER');
  t.deepEqual(families.get('voodu_things_total')?.metrics[0], { value: '3', labels: { kind: 'deployment' } });
  t.is(families.get('voodu_wait_seconds')?.metrics[0]?.buckets?.['1'], '1');
  t.is(families.get('voodu_wait_seconds')?.metrics[0]?.buckets?.['0.1'], '0');
  for (const name of ['process_resident_memory_bytes', 'process_cpu_seconds_total', 'nodejs_eventloop_lag_seconds']) t.true(families.has(name), name);
});

test('two controllers in one process keep their own numbers', async (t) => {
  const one = await bootMetrics();
  const two = await bootMetrics();
  t.teardown(() => Promise.all([one.stop(), two.stop()]));
  one.metrics.counter({ name: 'voodu_things_total', help: 'things' }).inc(5);
  t.regex((await one.metrics.render()).body, /voodu_things_total 5/);
  t.notRegex((await two.metrics.render()).body, /voodu_things_total/);
});

test('isLoopback: 127.0.0.0/8, ::1 and their IPv4-mapped forms only', (t) => {
  for (const a of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) t.true(isLoopback(a), a);
  for (const a of ['10.0.0.1', '172.17.0.2', '::ffff:10.0.0.1', '::2', '1127.0.0.1', '?']) t.false(isLoopback(a), a);
});

test('a loopback route answers an anonymous caller on loopback on the main listener; remote callers and the pod listener need the token', (t) => {
  const table = new RouteTable();
  table.add('GET', '/metrics', true, { loopback: true });
  table.add('GET', '/overview', false);
  const gate = new Gate({ table, capabilities: new PluginCapabilities(), token: 'x'.repeat(32), tokenHint: '/opt/voodu/api-token', maxBodyBytes: 1024, log: quiet() });
  const hosts = new Set(['localhost']);
  const main: Listener = { kind: 'main', hosts };
  const pod: Listener = { kind: 'pod', hosts, pods: { host: '172.17.0.1', port: 8687, resolve: async () => undefined } };
  const req = (url: string) => ({ method: 'GET', url, headers: { host: 'localhost' } }) as unknown as IncomingMessage;
  t.deepEqual(gate.check(req('/metrics'), main, '127.0.0.1'), { ok: true });
  t.deepEqual(gate.check(req('/metrics'), main, '::ffff:127.0.0.1'), { ok: true });
  t.is((gate.check(req('/metrics'), main, '10.1.2.3') as { status?: number }).status, 401);
  t.is((gate.check(req('/metrics'), pod, '127.0.0.1') as { status?: number }).status, 401);
  t.is((gate.check(req('/overview'), main, '127.0.0.1') as { status?: number }).status, 401, 'other routes stay closed on loopback');
});
