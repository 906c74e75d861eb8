import test from 'ava';
import { Kernel, createLogger, type ReconcileEvent } from '../../kernel/index.js';
import { TransientError } from '../../lib/errors.js';
import { keys } from '../../lib/identity.js';
import reconcilerModule from '../../modules/reconciler/index.js';
import runtimeModule from '../../modules/runtime/index.js';
import { TEST_IMAGE, cleanupDocker, requireDocker, testRunLabel, uniqueName } from '../helpers/docker.js';
import storeModule from '../../modules/store/index.js';
import { startEtcd, type TestEtcd } from '../helpers/etcd.js';

// The reconciler against a real etcd: replay, watch, per-resource serialization, retries, status.
let etcd: TestEtcd;
test.before(async () => {
  etcd = await startEtcd();
});
test.after.always(() => etcd?.stop());

let n = 0;
/** A fresh kind per test keeps tests apart in the shared etcd. */
const freshKind = () => `thing${++n}x`;

async function boot(kind: string, handler: (e: ReconcileEvent) => Promise<void>, options: Record<string, unknown> = {}) {
  const kernel = new Kernel({ log: createLogger({ sink: () => {} }) });
  kernel.hooks.onReconcile.for(kind).tapPromise('test', handler);
  await kernel.boot([
    { module: storeModule, options: { endpoints: [etcd.endpoint] } },
    { module: reconcilerModule, options: { retryDelaysMs: [50, 50, 50], ...options } },
  ]);
  return kernel;
}

const put = (kind: string, scope: string, name: string, spec: Record<string, unknown>) =>
  etcd.store.putJSON(keys.desired({ kind, scope, name }), { kind, scope, name, spec });

const until = async (cond: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

test('replays what is stored at boot, then follows puts and deletes', async (t) => {
  const kind = freshKind();
  await put(kind, 's', 'before', { v: 1 });
  const seen: string[] = [];
  const kernel = await boot(kind, async (e) => void seen.push(`${e.type}:${e.ref.name}:${e.cause}:${String(e.manifest?.spec.v ?? '')}`));
  t.teardown(() => kernel.shutdown());
  await until(() => seen.length >= 1);
  t.deepEqual(seen, ['put:before:replay:1']);
  await put(kind, 's', 'after', { v: 2 });
  await until(() => seen.length >= 2);
  await etcd.store.delete(keys.desired({ kind, scope: 's', name: 'after' }));
  await until(() => seen.length >= 3);
  t.deepEqual(seen.slice(1), ['put:after:watch:2', 'delete:after:watch:']);
});

test('one resource is never reconciled twice at once, a burst collapses to the latest, others run in parallel', async (t) => {
  const kind = freshKind();
  const active = new Set<string>();
  let overlapSameKey = false;
  let coldStarted!: () => void;
  const coldGate = new Promise<void>((r) => (coldStarted = r));
  let hotBlocked!: () => void;
  const hotRunning = new Promise<void>((r) => (hotBlocked = r));
  let parallel = false;
  const versions: number[] = [];
  const kernel = await boot(kind, async (e) => {
    if (active.has(e.ref.name)) overlapSameKey = true;
    active.add(e.ref.name);
    try {
      if (e.ref.name === 'cold') coldStarted();
      if (e.ref.name === 'hot') {
        versions.push(Number(e.manifest?.spec.v));
        if (versions.length === 1) {
          hotBlocked();
          // Held until the other resource starts: only a parallel worker can release it.
          parallel = await Promise.race([coldGate.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5000))]);
        }
      }
    } finally {
      active.delete(e.ref.name);
    }
  });
  t.teardown(() => kernel.shutdown());
  await put(kind, 's', 'hot', { v: 1 });
  await hotRunning;
  // A burst for the busy resource while it runs, then another resource.
  for (let v = 2; v <= 6; v++) await put(kind, 's', 'hot', { v });
  await put(kind, 's', 'cold', { v: 1 });
  await until(() => versions.at(-1) === 6, 10_000);
  await kernel.services.get('reconciler', 'test').idle();
  t.false(overlapSameKey, 'the same resource ran concurrently');
  t.true(parallel, 'a second resource did not start while the first was busy');
  t.deepEqual(versions, [1, 6], 'the burst should collapse into one run with the latest manifest');
});

test('transient failures retry and re-read the manifest; a delete during the wait wins', async (t) => {
  const kind = freshKind();
  const seen: string[] = [];
  let failFirst = true;
  const kernel = await boot(kind, async (e) => {
    seen.push(`${e.type}:${e.attempt}:${String(e.manifest?.spec.v ?? '-')}`);
    if (e.type === 'put' && failFirst) {
      failFirst = false;
      // Change the desired state while the retry waits.
      await put(kind, 's', e.ref.name, { v: 'fixed' });
      throw new TransientError('image pull hiccup');
    }
  });
  t.teardown(() => kernel.shutdown());
  await put(kind, 's', 'flaky', { v: 'broken' });
  await until(() => seen.some((s) => s.includes('fixed')));
  t.is(seen[0], 'put:1:broken');
  t.true(seen.slice(1).every((s) => s.endsWith(':fixed')), seen.join(' '));

  const deleted: string[] = [];
  let failed = false;
  const kind3 = freshKind();
  const kernel3 = await boot(kind3, async (e) => {
    deleted.push(e.type);
    if (e.type === 'put' && !failed) {
      failed = true;
      await etcd.store.delete(keys.desired(e.ref));
      throw new TransientError('not yet');
    }
  });
  t.teardown(() => kernel3.shutdown());
  await put(kind3, 's', 'doomed', { v: 1 });
  await until(() => deleted.includes('delete'));
  t.deepEqual(deleted.slice(0, 1), ['put']);
  t.false(deleted.slice(1).includes('put'), 'a deleted resource was reconciled as a put again');
});

test('every terminal attempt records last_reconcile_at and last_reconcile_error in the status', async (t) => {
  const kind = freshKind();
  let fail = true;
  const kernel = await boot(kind, async () => {
    if (fail) throw new Error('spec.image: no such image');
  });
  t.teardown(() => kernel.shutdown());
  await etcd.store.putJSON(keys.status(kind, 's', 'st'), { spec_hash: 'kept' });
  await put(kind, 's', 'st', { v: 1 });
  const statusKey = keys.status(kind, 's', 'st');
  await kernel.services.get('reconciler', 'test').idle();
  let status: any;
  const end = Date.now() + 5000;
  do {
    status = await etcd.store.getJSON(statusKey);
    if (status?.last_reconcile_error) break;
    await new Promise((r) => setTimeout(r, 30));
  } while (Date.now() < end);
  t.is(status.last_reconcile_error, 'spec.image: no such image');
  t.is(status.spec_hash, 'kept', 'the rest of the status is kept');
  t.truthy(Date.parse(status.last_reconcile_at));
  fail = false;
  await kernel.services.get('reconciler', 'test').reconcileNow({ kind, scope: 's', name: 'st' });
  const after: any = await etcd.store.getJSON(statusKey);
  t.is(after.last_reconcile_error, '');
});

test('reconcileNow resolves with the attempt and rejects with its error; resync re-runs everything', async (t) => {
  const kind = freshKind();
  const causes: string[] = [];
  let boom = false;
  const kernel = await boot(
    kind,
    async (e) => {
      causes.push(e.cause);
      if (boom) throw new Error('boom');
    },
    { resyncMs: 1000 },
  );
  t.teardown(() => kernel.shutdown());
  await put(kind, 's', 'r', { v: 1 });
  await until(() => causes.length >= 1);
  const rec = kernel.services.get('reconciler', 'test');
  boom = true;
  await t.throwsAsync(rec.reconcileNow({ kind, scope: 's', name: 'r' }), { message: 'boom' });
  boom = false;
  await rec.reconcileNow({ kind, scope: 's', name: 'r' });
  await until(() => causes.includes('resync'), 4000);
  t.true(causes.includes('manual'));
  t.true(causes.includes('resync'));
});

test('a replica that dies behind our back triggers its resource right away (cause runtime)', async (t) => {
  await requireDocker();
  const run = testRunLabel();
  t.teardown(() => cleanupDocker(run.filter));
  const kind = freshKind();
  const causes: string[] = [];
  const kernel = new Kernel({ log: createLogger({ sink: () => {} }) });
  kernel.hooks.onReconcile.for(kind).tapPromise('test', async (e) => void causes.push(e.cause));
  await kernel.boot([
    { module: storeModule, options: { endpoints: [etcd.endpoint] } },
    { module: runtimeModule },
    { module: reconcilerModule },
  ]);
  t.teardown(() => kernel.shutdown());
  await put(kind, 'rt', 'api', { v: 1 });
  await until(() => causes.length >= 1);
  await kernel.services.get('runtime', 'test').run({
    name: uniqueName('die'),
    image: TEST_IMAGE,
    command: ['true'],
    labels: { ...run.labels, 'voodu.kind': kind, 'voodu.scope': 'rt', 'voodu.name': 'api', 'voodu.role': kind },
  });
  await until(() => causes.includes('runtime'), 10_000);
  t.pass();
});
