/**
 * The autoscaler's pure parts (the reference's
 * autoscaler_test.go list): the decision, cooldowns, the mean, which
 * manifests it drives, the manifest round trip and the guarded write, the
 * decision-11 apply stage, the cooldown memory seeded from a stored status,
 * and the module's options. Fakes stand in for etcd here;
 * test/e2e/autoscaler.test.ts runs the real thing.
 */
import test from 'ava';
import { type ApplyBatch } from '../../kernel/index.js';
import { ValidationError } from '../../lib/errors.js';
import { type Manifest } from '../../lib/identity.js';
import { keepAutoscaledReplicas } from '../../modules/autoscaler/apply-stage.js';
import {
  DEFAULT_COOLDOWN_DOWN_MS,
  DEFAULT_COOLDOWN_UP_MS,
  boundsOf,
  cooldownMs,
  decide,
  freshMemory,
  meanCpu,
  type Bounds,
} from '../../modules/autoscaler/decide.js';
import { validateOptions } from '../../modules/autoscaler/index.js';
import { autoscaledTargets, setReplicas, withReplicas } from '../../modules/autoscaler/manifest.js';
import { seedMemory } from '../../modules/autoscaler/memory.js';
import type { KeyValue, Store, TxnRequest } from '../../modules/store/contract.js';

const b: Bounds = { min: 1, max: 3, target: 50, cooldownUpMs: 30_000, cooldownDownMs: 300_000 };
const NOW = 1_000_000_000;
const never = freshMemory();

test('scale up on high CPU: one step, immediately the first time', (t) => {
  const d = decide(b, [90], NOW, never);
  t.like(d, { action: 'up', current: 1, replicas: 2, mean: 90, target: 50 });
  t.true(Math.abs(d.upAbove - 55) < 1e-9 && Math.abs(d.downBelow - 35) < 1e-9);
  t.regex(d.reason, /mean 90% > 55%/);
  // Just above the threshold still scales; exactly on it does not.
  t.is(decide(b, [55.1], NOW, never).action, 'up');
  t.is(decide(b, [50 * 1.1], NOW, never).action, 'hold');
});

test('scale down on low CPU: one step, immediately the first time', (t) => {
  t.like(decide(b, [10, 10, 10], NOW, never), { action: 'down', current: 3, replicas: 2 });
  t.is(decide(b, [34.9, 34.9], NOW, never).action, 'down');
  t.is(decide(b, [35, 35], NOW, never).action, 'hold', 'exactly target × 0.7 is inside the dead zone');
});

test('respects min and max', (t) => {
  const atMax = decide(b, [99, 99, 99], NOW, never);
  t.like(atMax, { action: 'hold', replicas: 3 });
  t.regex(atMax.reason, /already at max 3/);
  const atMin = decide(b, [1], NOW, never);
  t.like(atMin, { action: 'hold', replicas: 1 });
  t.regex(atMin.reason, /already at min 1/);
  // Steps are clamped: below min goes up to min at least, above max comes down to max at most.
  t.like(decide({ ...b, min: 3, max: 5 }, [90], NOW, never), { action: 'up', replicas: 3 });
  t.like(decide({ ...b, min: 1, max: 2 }, [1, 1, 1, 1], NOW, never), { action: 'down', replicas: 2 });
});

test('cooldown up: a second step waits cooldown_up after the last up, whatever the downs', (t) => {
  const m = { lastUp: NOW, lastDown: -Infinity };
  const early = decide(b, [90], NOW + 29_000, m);
  t.like(early, { action: 'hold', replicas: 1 });
  t.regex(early.reason, /cooldown_up has 1s left/);
  t.is(decide(b, [90], NOW + 30_000, m).action, 'up');
  // A recent down does not hold an up back.
  t.is(decide(b, [90], NOW + 1, { lastUp: -Infinity, lastDown: NOW }).action, 'up');
});

test('cooldown down: a second step waits cooldown_down after the last down, whatever the ups', (t) => {
  const m = { lastUp: -Infinity, lastDown: NOW };
  const early = decide(b, [5, 5], NOW + 299_000, m);
  t.like(early, { action: 'hold', replicas: 2 });
  t.regex(early.reason, /cooldown_down has 1s left/);
  t.is(decide(b, [5, 5], NOW + 300_000, m).action, 'down');
  t.is(decide(b, [5, 5], NOW + 1, { lastUp: NOW, lastDown: -Infinity }).action, 'down');
});

test('seedMemory: the stored step times start the cooldowns of a controller that just started', (t) => {
  const iso = (ms: number) => new Date(ms).toISOString();
  const m = seedMemory({ action: 'hold', last_up_at: iso(NOW), last_down_at: iso(NOW - 60_000) }, NOW + 10_000);
  t.deepEqual(m, { lastUp: NOW, lastDown: NOW - 60_000 });
  // What a restarted controller decides with it: the up waits out the cooldown the last one started.
  const held = decide(b, [90], NOW + 10_000, m);
  t.like(held, { action: 'hold' });
  t.regex(held.reason, /cooldown_up has 20s left/);
  t.is(decide(b, [90], NOW + 30_000, m).action, 'up');
  // Nothing stored, nothing usable: no cooldown, as on a first sight.
  for (const none of [undefined, null, 'x', [], {}, { last_up_at: 'soon', last_down_at: 7 }]) t.deepEqual(seedMemory(none, NOW), freshMemory(), JSON.stringify(none));
  // A time after now (the clock went back) counts as now: at most one cooldown of waiting.
  t.deepEqual(seedMemory({ last_up_at: iso(NOW + 3_600_000) }, NOW), { lastUp: NOW, lastDown: -Infinity });
  // A status from before the step times were stored: last_scale gives its direction's time.
  t.deepEqual(seedMemory({ last_scale: { from: 1, to: 2, at: iso(NOW) } }, NOW + 1), { lastUp: NOW, lastDown: -Infinity });
  t.deepEqual(seedMemory({ last_scale: { from: 3, to: 2, at: iso(NOW) } }, NOW + 1), { lastUp: -Infinity, lastDown: NOW });
  t.deepEqual(seedMemory({ last_up_at: iso(NOW), last_scale: { from: 2, to: 1, at: iso(NOW - 5_000) } }, NOW), { lastUp: NOW, lastDown: NOW - 5_000 });
});

test('no pods: skip, nothing to judge by', (t) => {
  t.like(decide(b, [], NOW, never), { action: 'skip', current: 0, replicas: 0 });
});

test('dead zone holds between target × 0.7 and target × 1.1', (t) => {
  for (const cpu of [35, 40, 50, 54.9]) {
    const d = decide(b, [cpu, cpu], NOW, never);
    t.like(d, { action: 'hold', replicas: 2 }, String(cpu));
    t.regex(d.reason, /dead zone \[35%, 55%\]/);
  }
});

test('the mean ignores idle pods when some are busy, and is 0 when all are idle', (t) => {
  t.is(meanCpu([80, 0, 0]), 80);
  t.is(meanCpu([60, 20, 0]), 40);
  t.is(meanCpu([0, 0]), 0);
  t.is(meanCpu([]), 0);
  // A just-started (0%) replica does not drag a busy deployment into scaling down.
  t.like(decide(b, [90, 0], NOW, never), { action: 'up', current: 2, replicas: 3, mean: 90 });
  t.like(decide(b, [0, 0], NOW, never), { action: 'down', replicas: 1 });
});

test('cooldowns: empty, invalid or negative fall back to the defaults', (t) => {
  t.is(cooldownMs(undefined, 7), 7);
  t.is(cooldownMs('', 7), 7);
  t.is(cooldownMs('soon', 7), 7);
  t.is(cooldownMs('-5s', 7), 7);
  t.is(cooldownMs('1m30s', 7), 90_000);
  t.is(cooldownMs('0', 7), 0);
  t.deepEqual(boundsOf({ min: 2, max: 4, cpu_target: 70 }), { min: 2, max: 4, target: 70, cooldownUpMs: DEFAULT_COOLDOWN_UP_MS, cooldownDownMs: DEFAULT_COOLDOWN_DOWN_MS });
  t.like(boundsOf({ min: 2, max: 4, cpu_target: 70, cooldown_up: '10s', cooldown_down: 'x' }), { cooldownUpMs: 10_000, cooldownDownMs: 300_000 });
  for (const bad of [undefined, null, [], {}, { min: 0, max: 2, cpu_target: 5 }, { min: 3, max: 2, cpu_target: 5 }, { min: 1, max: 2, cpu_target: 0 }, { min: 1, max: 2, cpu_target: 101 }]) {
    t.is(boundsOf(bad), undefined, JSON.stringify(bad));
  }
});

const kv = (key: string, value: unknown, modRevision = 5): KeyValue => ({
  key,
  value: typeof value === 'string' ? value : JSON.stringify(value),
  modRevision,
  createRevision: 1,
  version: 1,
});
const AUTO = { min: 1, max: 3, cpu_target: 50 };

test('ignores deployments without autoscale (and anything that is not a deployment)', (t) => {
  const targets = autoscaledTargets([
    kv('/desired/deployments/prod/api', { kind: 'deployment', scope: 'prod', name: 'api', spec: { image: 'x', replicas: 2, autoscale: AUTO } }),
    kv('/desired/deployments/prod/plain', { kind: 'deployment', scope: 'prod', name: 'plain', spec: { image: 'x', replicas: 4 } }),
    kv('/desired/deployments/prod/broken', '{not json'),
    kv('/desired/statefulsets/prod/db', { kind: 'statefulset', scope: 'prod', name: 'db', spec: { autoscale: AUTO } }),
  ]);
  t.deepEqual(targets.map((x) => [x.ref, x.replicas]), [[{ kind: 'deployment', scope: 'prod', name: 'api' }, 2]]);
});

test('the applier round-trips the spec, changing only spec.replicas', (t) => {
  const stored = {
    kind: 'deployment',
    scope: 'prod',
    name: 'api',
    spec: { image: 'x:1', replicas: 1, env: { A: '1' }, autoscale: AUTO, _asset_digests: { a: 'b' }, future_field: [1, { z: true }] },
    metadata: { created_at: '2024-01-01T00:00:00.000Z', updated_at: '2024-01-02T00:00:00.000Z' },
  };
  const out = JSON.parse(withReplicas(JSON.stringify(stored), 3)!);
  t.deepEqual(out, { ...stored, spec: { ...stored.spec, replicas: 3 } });
  t.deepEqual(Object.keys(out.spec), Object.keys(stored.spec), 'key order kept');
  t.is(withReplicas('[1]', 2), undefined);
  t.is(withReplicas('{"kind":"deployment"}', 2), undefined);
});

/** Just enough of the store for a guarded put: one map, revisions counting up. */
function fakeStore(initial: KeyValue[] = []): Store & { data: Map<string, KeyValue>; txns: TxnRequest[] } {
  const data = new Map(initial.map((x) => [x.key, x]));
  let rev = 100;
  const txns: TxnRequest[] = [];
  const store = {
    data,
    txns,
    get: async (key: string) => data.get(key),
    txn: async (req: TxnRequest) => {
      txns.push(req);
      const ok = (req.compare ?? []).every((c) => c.target === 'mod' && (data.get(c.key)?.modRevision ?? 0) === c.value);
      if (ok) for (const op of req.success) if (op.op === 'put') data.set(op.key, kv(op.key, op.value, ++rev));
      return { succeeded: ok, revision: rev };
    },
  };
  return store as unknown as Store & { data: Map<string, KeyValue>; txns: TxnRequest[] };
}

test('setReplicas: written when unchanged since the read; a concurrent apply wins; a missing manifest is silent', async (t) => {
  const key = '/desired/deployments/prod/api';
  const read = kv(key, { kind: 'deployment', scope: 'prod', name: 'api', spec: { replicas: 1, autoscale: AUTO } }, 5);

  const s1 = fakeStore([read]);
  t.is(await setReplicas(s1, read, 2), 'written');
  t.is(JSON.parse(s1.data.get(key)!.value).spec.replicas, 2);
  t.deepEqual(s1.txns[0]!.compare, [{ key, target: 'mod', op: '==', value: 5 }]);

  // An apply landed after the read (revision 6): the autoscaler does not overwrite it.
  const newer = kv(key, { kind: 'deployment', scope: 'prod', name: 'api', spec: { replicas: 1, autoscale: { ...AUTO, max: 9 } } }, 6);
  const s2 = fakeStore([newer]);
  t.is(await setReplicas(s2, read, 2), 'conflict');
  t.is(s2.data.get(key), newer);

  const s3 = fakeStore([]);
  t.is(await setReplicas(s3, read, 2), 'missing');
  t.is(s3.data.size, 0, 'nothing created');
});

const batchOf = (manifests: Manifest[], dryRun = false): ApplyBatch => ({ manifests, dryRun, prune: false, force: false, report: {}, actions: [] });
const dep = (name: string, spec: Record<string, unknown>): Manifest => ({ kind: 'deployment', scope: 'prod', name, spec });

test('re-apply keeps the stored count clamped into the new bounds; new and non-autoscaled deployments keep theirs', async (t) => {
  const stored = (name: string, replicas: number) => kv(`/desired/deployments/prod/${name}`, dep(name, { replicas, autoscale: AUTO }));
  const store = fakeStore([stored('kept', 3), stored('clamped', 3), stored('raised', 1), stored('plain', 3)]);
  const batch = batchOf([
    dep('kept', { image: 'x:2', replicas: 1, autoscale: { min: 1, max: 5, cpu_target: 50 } }),
    dep('clamped', { replicas: 1, autoscale: { min: 1, max: 2, cpu_target: 50 } }),
    dep('raised', { replicas: 2, autoscale: { min: 2, max: 4, cpu_target: 50 } }),
    dep('plain', { replicas: 1 }),
    dep('fresh', { replicas: 2, autoscale: { min: 2, max: 4, cpu_target: 50 } }),
    { kind: 'statefulset', scope: 'prod', name: 'kept', spec: { replicas: 1 } },
  ], true);
  await keepAutoscaledReplicas(store, batch);
  t.deepEqual(batch.manifests.map((m) => [m.kind, m.name, m.spec['replicas']]), [
    ['deployment', 'kept', 3],
    ['deployment', 'clamped', 2],
    ['deployment', 'raised', 2],
    ['deployment', 'plain', 1],
    ['deployment', 'fresh', 2],
    ['statefulset', 'kept', 1],
  ]);
  t.is(batch.manifests[0]!.spec['image'], 'x:2', 'the rest of the incoming spec is what was applied');
  t.is(store.txns.length, 0, 'the stage writes nothing');
});

test('options: intervalMs validated with the field named', (t) => {
  t.deepEqual(validateOptions(undefined), { intervalMs: 15_000 });
  t.deepEqual(validateOptions({ intervalMs: 500 }), { intervalMs: 500 });
  for (const bad of [{ intervalMs: 0 }, { intervalMs: 1.5 }, { intervalMs: '15s' }]) {
    t.throws(() => validateOptions(bad), { instanceOf: ValidationError, message: /autoscaler\.intervalMs: .* positive whole number/ });
  }
  t.throws(() => validateOptions({ every: 1 }), { instanceOf: ValidationError, message: /autoscaler\.every: unknown option/ });
  t.throws(() => validateOptions([]), { instanceOf: ValidationError, message: /options must be an object/ });
});
