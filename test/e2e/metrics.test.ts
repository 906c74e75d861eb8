/**
 * `/metrics` end to end against a real etcd and Docker: a scraper on the
 * host reads it with no token, a third-party Prometheus text parser reads
 * every family, and the numbers move with the work — a deployment applied
 * through the API shows up as reconciles, a rollout, replicas desired,
 * running and ready, timed etcd and Docker calls and a counted apply.
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import parsePrometheus, { type Family } from 'parse-prometheus-text-format';
import { bootModules, type ModuleController } from '../helpers/controller.js';
import { TEST_IMAGE, dockerClient, removeScopes, requireDocker } from '../helpers/docker.js';
import { startEtcd, type TestEtcd } from '../helpers/etcd.js';
import { waitFor } from '../helpers/wait.js';

const docker = dockerClient();
const scope = `mx${randomBytes(2).toString('hex')}`;
const MODULES = ['paths', 'metrics', 'store', 'runtime', 'api', 'config', 'assets', 'reconciler', 'apply', 'probes', 'workload', 'deployment', 'pods', 'events', 'rollouts', 'overview'];
const SLEEPER = ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1000 & wait; done'];

let etcd: TestEtcd;
let ctl: ModuleController;

test.before(async () => {
  await requireDocker(docker);
  etcd = await startEtcd();
  ctl = await bootModules(etcd.endpoint, MODULES, { workload: { readinessGraceMs: 500 }, reconciler: { resyncMs: 600_000 } });
});
test.after.always(async () => {
  await ctl?.stop();
  await etcd?.stop();
  await removeScopes(scope, docker);
});

const logs = async () => ctl.logs.slice(-20).join('\n');

async function scrape(headers: Record<string, string> = {}): Promise<Map<string, Family>> {
  const res = await fetch(`${ctl.url}/metrics`, { headers });
  if (res.status !== 200) throw new Error(`GET /metrics: ${res.status} ${await res.text()}`);
  if (!String(res.headers.get('content-type')).startsWith('text/plain; version=0.0.4')) throw new Error(`content type ${res.headers.get('content-type')}`);
  const text = await res.text();
  // The parser flattens a histogram's labelled series into one; read as untyped lines, each
  // `_count`/`_sum`/`_bucket` series keeps its labels (the typed parse above still checks the format).
  const typed = parsePrometheus(text);
  const untyped = parsePrometheus(text.replace(/^# TYPE \S+ histogram\n/gm, '')).filter((f) => /_(count|sum|bucket)$/.test(f.name));
  // Untyped, a series is its own family each time its name comes back after another: merge them.
  const byName = new Map<string, Family>();
  for (const f of [...typed, ...untyped]) {
    const seen = byName.get(f.name);
    if (seen) seen.metrics.push(...f.metrics);
    else byName.set(f.name, { ...f, metrics: [...f.metrics] });
  }
  return byName;
}

/** The value of the sample of `family` whose labels include `labels` (0 when there is none yet). */
function value(families: Map<string, Family>, family: string, labels: Record<string, string> = {}): number {
  const sample = families.get(family)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return Number(sample?.value ?? 0);
}

test.serial('a scraper on the host needs no token; the answer parses and carries the process and build families', async (t) => {
  const families = await scrape();
  t.is(value(families, 'voodu_build_info'), 1);
  t.true(value(families, 'process_resident_memory_bytes') > 10 * 1024 * 1024);
  t.is(families.get('voodu_workqueue_depth')?.type, 'GAUGE');
  t.deepEqual(families.get('voodu_workqueue_depth')?.metrics.map((m) => m.labels?.state).sort(), ['queued', 'requeued', 'retrying', 'running']);
  // The token holder reads it too; a wrong token is still refused.
  t.truthy(await scrape({ authorization: `Bearer ${ctl.token}` }));
  const wrong = await fetch(`${ctl.url}/metrics`, { headers: { authorization: 'Bearer wrong-token-wrong-token-wrong' } });
  t.is(wrong.status, 401);
});

test.serial('the numbers move with the work: an applied deployment is reconciled, rolled out, counted and its replicas shown', async (t) => {
  t.timeout(90_000);
  const before = await scrape();
  const manifest = { kind: 'deployment', scope, name: 'web', spec: { image: TEST_IMAGE, replicas: 2, command: SLEEPER } };
  const res = await fetch(`${ctl.url}/apply`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ctl.token}`, 'content-type': 'application/json' },
    body: JSON.stringify([manifest]),
  });
  t.is(res.status, 200, await res.text());

  const ready = { kind: 'deployment', scope, name: 'web', state: 'ready' };
  const after = await waitFor(
    `voodu_replicas{state="ready"} of ${scope}/web to reach 2`,
    async () => {
      const f = await scrape();
      return value(f, 'voodu_replicas', ready) === 2 ? f : undefined;
    },
    { timeoutMs: 60_000, context: logs },
  );

  t.is(value(after, 'voodu_replicas', { scope, name: 'web', state: 'desired' }), 2);
  t.is(value(after, 'voodu_replicas', { scope, name: 'web', state: 'running' }), 2);
  t.true(
    value(after, 'voodu_reconciles_total', { kind: 'deployment', result: 'success' }) > value(before, 'voodu_reconciles_total', { kind: 'deployment', result: 'success' }),
    'no successful deployment reconcile counted',
  );
  t.true(value(after, 'voodu_reconcile_duration_seconds_count', { kind: 'deployment' }) >= 1, 'the reconcile was not timed');
  t.true(value(after, 'voodu_events_total', { kind: 'deployment', reason: 'Created' }) >= 1);
  t.is(value(after, 'voodu_api_requests_total', { method: 'POST', route: '/apply', status: '200' }), 1);
  t.true(value(after, 'voodu_api_request_duration_seconds_count', { method: 'POST', route: '/apply' }) >= 1);
  t.true(value(after, 'voodu_etcd_request_duration_seconds_count', { op: 'list', result: 'ok' }) > 0, 'no etcd list timed');
  t.true(value(after, 'voodu_docker_request_duration_seconds_count', { op: 'inspect', result: 'ok' }) > 0, 'no Docker inspect timed');

  // A new image is a rollout: started, then succeeded.
  manifest.spec.command = [...SLEEPER.slice(0, 2), `${SLEEPER[2]} # v2`];
  const roll = await fetch(`${ctl.url}/apply`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ctl.token}`, 'content-type': 'application/json' },
    body: JSON.stringify([manifest]),
  });
  t.is(roll.status, 200, await roll.text());
  const rolled = await waitFor(
    `a succeeded rollout of ${scope}/web`,
    async () => {
      const f = await scrape();
      return value(f, 'voodu_rollouts_total', { kind: 'deployment', result: 'succeeded' }) >= 1 ? f : undefined;
    },
    { timeoutMs: 60_000, context: logs },
  );
  t.is(value(rolled, 'voodu_rollouts_total', { kind: 'deployment', result: 'started' }), 1);
  t.is(value(rolled, 'voodu_rollouts_total', { kind: 'deployment', result: 'failed' }), 0);
});

/** Calls by op of one of the controller's latency histograms, read from the registry without a scrape. */
async function liveCalls(family: string): Promise<Map<string, number>> {
  const histogram = ctl.kernel.services.get('metrics', 'test').histogram({ name: family, help: 'read by the test', labelNames: ['op', 'result'] });
  const out = new Map<string, number>();
  for (const v of (await histogram.get()).values) {
    if (v.metricName !== `${family}_count`) continue;
    const op = String(v.labels.op ?? '?');
    out.set(op, (out.get(op) ?? 0) + v.value);
  }
  return out;
}

function delta(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [op, n] of after) if (n - (before.get(op) ?? 0) > 0) out[op] = n - (before.get(op) ?? 0);
  return out;
}

test.serial('a no-op re-apply writes nothing to etcd and makes no Docker call: the services count every call', async (t) => {
  t.timeout(60_000);
  const apply = () =>
    fetch(`${ctl.url}/apply`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ctl.token}`, 'content-type': 'application/json' },
      // The stack as it now stands (the previous test rolled it to this command).
      body: JSON.stringify([{ kind: 'deployment', scope, name: 'web', spec: { image: TEST_IMAGE, replicas: 2, command: [...SLEEPER.slice(0, 2), `${SLEEPER[2]} # v2`] } }]),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as { data?: { unchanged?: string[]; rollouts?: string[] } } }));
  // Let whatever the last rollout left (status writes, events) settle before counting.
  await ctl.kernel.services.get('reconciler', 'test').idle();
  await new Promise((r) => setTimeout(r, 1000));
  // The timed services' own histograms, read in process: a scrape would add calls of its own (voodu_replicas
  // lists and inspects every voodu container on the engine, other test files' too), so it is left out of the count.
  const reconciled = { kind: 'deployment', result: 'success' };
  const reconcilesBefore = value(await scrape(), 'voodu_reconciles_total', reconciled);
  const before = { etcd: await liveCalls('voodu_etcd_request_duration_seconds'), docker: await liveCalls('voodu_docker_request_duration_seconds') };
  const r = await apply();
  t.is(r.status, 200);
  t.deepEqual(r.body.data?.unchanged, [`deployment/${scope}/web`]);
  t.deepEqual(r.body.data?.rollouts, []);
  // A reconcile, had one been set off, would have run by now.
  await new Promise((r) => setTimeout(r, 1500));
  const etcd = delta(before.etcd, await liveCalls('voodu_etcd_request_duration_seconds'));
  const dockerCalls = delta(before.docker, await liveCalls('voodu_docker_request_duration_seconds'));
  t.log(`around the no-op apply: etcd ${JSON.stringify(etcd)}, docker ${JSON.stringify(dockerCalls)}`);
  // The services count every call: the apply's reads show (so an empty count is not a broken counter).
  t.true((etcd.list ?? 0) + (etcd.get ?? 0) + (etcd.getJSON ?? 0) > 0, 'the apply read the store, and the count shows it');
  // /health pings the engine when asked; nothing in this window asks, and nothing else may call it.
  t.deepEqual(dockerCalls, {}, 'Docker calls during a no-op apply');
  for (const op of ['put', 'putJSON', 'delete', 'deletePrefix', 'txn', 'lease']) t.is(etcd[op], undefined, `etcd ${op} during a no-op apply`);
  // The apply itself only reads: its plan (one list per prefix) and the checks before it.
  for (const [op, n] of Object.entries(etcd)) t.true(['list', 'get', 'getJSON', 'revision'].includes(op), `etcd ${op} ×${n}`);
  t.is(value(await scrape(), 'voodu_reconciles_total', reconciled), reconcilesBefore, 'a reconcile ran');
});

test.serial('a deleted resource leaves the replicas family', async (t) => {
  t.timeout(60_000);
  const del = await fetch(`${ctl.url}/apply?kind=deployment&scope=${scope}&name=web`, { method: 'DELETE', headers: { authorization: `Bearer ${ctl.token}` } });
  t.is(del.status, 200, await del.text());
  await waitFor(`${scope}/web to leave voodu_replicas`, async () => !(await scrape()).get('voodu_replicas')?.metrics.some((m) => m.labels?.scope === scope), {
    timeoutMs: 30_000,
    context: logs,
  });
  t.pass();
});
