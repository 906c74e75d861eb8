import test from 'ava';
import { Kernel, ModuleStartError, createLogger, defineModule, orderByServices, cadence, type ReconcileEvent, type VooduModule, type Tick } from '../../kernel/index.js';

const quiet = () => createLogger({ sink: () => {} });

function trace(name: string, journal: string[], extra: Partial<VooduModule> = {}): VooduModule {
  return {
    name,
    register: () => {
      journal.push(`register:${name}`);
      return {
        start: () => void journal.push(`start:${name}`),
        stop: () => void journal.push(`stop:${name}`),
      };
    },
    ...extra,
  };
}

test('onApply runs taps by stage, then registration order', async (t) => {
  const kernel = new Kernel({ log: quiet() });
  const order: string[] = [];
  kernel.hooks.onApply.tapPromise({ name: 'store-write', stage: 100 }, async () => void order.push('store-write'));
  kernel.hooks.onApply.tapPromise({ name: 'validate', stage: -10 }, async () => void order.push('validate'));
  kernel.hooks.onApply.tapPromise('assets', async () => void order.push('assets'));
  kernel.hooks.onApply.tapPromise('ingress-collisions', async () => void order.push('ingress-collisions'));
  await kernel.hooks.onApply.promise({ manifests: [], dryRun: false, prune: false, force: false, report: {}, actions: [] });
  t.deepEqual(order, ['validate', 'assets', 'ingress-collisions', 'store-write']);
});

test('a failing onApply stage stops the later ones', async (t) => {
  const kernel = new Kernel({ log: quiet() });
  let wrote = false;
  kernel.hooks.onApply.tapPromise({ name: 'validate', stage: -10 }, async () => {
    throw new Error('spec.replicas: must be >= 0');
  });
  kernel.hooks.onApply.tapPromise({ name: 'write', stage: 100 }, async () => void (wrote = true));
  await t.throwsAsync(kernel.hooks.onApply.promise({ manifests: [], dryRun: false, prune: false, force: false, report: {}, actions: [] }), {
    message: /spec.replicas/,
  });
  t.false(wrote);
});

test('onReconcile dispatches by kind through the HookMap', async (t) => {
  const kernel = new Kernel({ log: quiet() });
  const seen: string[] = [];
  kernel.hooks.onReconcile.for('deployment').tapPromise('deployment', async (e) => void seen.push(`deployment:${e.ref.name}`));
  kernel.hooks.onReconcile.for('job').tapPromise('job', async (e) => void seen.push(`job:${e.ref.name}`));
  const event = (kind: string, name: string): ReconcileEvent => ({
    type: 'put',
    ref: { kind, scope: 'prod', name },
    revision: 1,
    cause: 'watch',
    attempt: 1,
  });
  await kernel.hooks.onReconcile.for('job').promise(event('job', 'migrate'));
  await kernel.hooks.onReconcile.for('deployment').promise(event('deployment', 'api'));
  t.deepEqual(seen, ['job:migrate', 'deployment:api']);
  t.is(kernel.hooks.onReconcile.get('cronjob'), undefined, 'a kind nobody tapped has no hook');
});

test('onExpand bails on the first tap that answers; onAction likewise per type', async (t) => {
  const kernel = new Kernel({ log: quiet() });
  kernel.hooks.onExpand.for('postgres').tapPromise('skip', async () => undefined);
  kernel.hooks.onExpand.for('postgres').tapPromise('plugins', async (m) => ({
    manifests: [{ kind: 'statefulset', scope: m.scope ?? '', name: m.name, spec: {} }],
  }));
  kernel.hooks.onExpand.for('postgres').tapPromise('never', async () => {
    throw new Error('must not run after a tap answered');
  });
  const out = await kernel.hooks.onExpand.for('postgres').promise({ kind: 'postgres', scope: 'data', name: 'pg', spec: {} }, { dryRun: false, config: {} });
  t.is(out?.manifests[0]?.kind, 'statefulset');

  kernel.hooks.onAction.for('config_set').tapPromise('config', async (a) => ({ applied: `config_set ${String(a.scope)}` }));
  const res = await kernel.hooks.onAction.for('config_set').promise({ type: 'config_set', scope: 'data' }, { source: 'test', dryRun: false });
  t.is(res?.applied, 'config_set data');
});

test('asking for a missing service names the module that needs it', (t) => {
  const kernel = new Kernel({ log: quiet() });
  const err = t.throws(() => kernel.services.get('store', 'deployment'));
  t.regex(err!.message, /module "deployment" needs service "store", which no enabled module provides/);
});

test('two providers of one service are refused, naming both', (t) => {
  const kernel = new Kernel({ log: quiet() });
  kernel.services.provide('log-sink', {}, 'a');
  t.throws(() => kernel.services.provide('log-sink', {}, 'b'), { message: /module "b" provides service "log-sink", already provided by module "a"/ });
});

test('boot orders modules by the services they require, and stops in reverse', async (t) => {
  const journal: string[] = [];
  const kernel = new Kernel({ log: quiet() });
  const store = defineModule({
    name: 'store',
    provides: ['store'],
    register(ctx) {
      ctx.provide('store', {} as never);
      journal.push('register:store');
      return { start: () => void journal.push('start:store'), stop: () => void journal.push('stop:store') };
    },
  });
  // Listed before its provider: the kernel must still register it after.
  const consumer = trace('deployment', journal, { requires: ['store'] });
  await kernel.boot([{ module: consumer }, { module: store }]);
  t.deepEqual(kernel.modules(), ['store', 'deployment']);
  t.is(kernel.state, 'running');
  await kernel.shutdown();
  t.deepEqual(journal, ['register:store', 'register:deployment', 'start:store', 'start:deployment', 'stop:deployment', 'stop:store']);
});

test('a required service nobody provides fails the boot naming module and service', async (t) => {
  const kernel = new Kernel({ log: quiet() });
  await t.throwsAsync(kernel.boot([{ module: trace('autoscaler', [], { requires: ['runtime'] }) }]), {
    message: 'module "autoscaler" needs service "runtime", which no enabled module provides',
  });
});

test('a module that fails to start stops the boot, names itself, and what started is stopped', async (t) => {
  const journal: string[] = [];
  const kernel = new Kernel({ log: quiet() });
  const broken: VooduModule = {
    name: 'broken',
    register: () => ({
      start: () => {
        throw new Error('port 8686 in use');
      },
      stop: () => void journal.push('stop:broken'),
    }),
  };
  const err = await t.throwsAsync(kernel.boot([{ module: trace('first', journal) }, { module: broken }, { module: trace('last', journal) }]));
  t.true(err instanceof ModuleStartError);
  t.is(err!.message, 'module "broken" failed to start: port 8686 in use');
  t.deepEqual(journal, ['register:first', 'register:last', 'start:first', 'stop:first'], 'last never started; broken not stopped; first stopped');
  t.is(kernel.state, 'stopped');
});

test('a module that declares a service but never provides it is caught', async (t) => {
  const kernel = new Kernel({ log: quiet() });
  await t.throwsAsync(kernel.boot([{ module: { name: 'liar', provides: ['runtime'], register: () => {} } }]), {
    message: /module "liar" failed to start: declares service "runtime"/,
  });
});

test('dependency cycles are reported with the path', (t) => {
  const a: VooduModule = { name: 'a', provides: ['x'], requires: ['y'], register: () => {} };
  const b: VooduModule = { name: 'b', provides: ['y'], requires: ['x'], register: () => {} };
  t.throws(() => orderByServices([{ module: a }, { module: b }]), { message: /cycle: a → b → a/ });
});

test('cadence runs a tap at most every N ms and never overlaps itself', async (t) => {
  const runs: number[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const tick = cadence(
    5000,
    async (k: Tick) => {
      runs.push(k.now);
      if (runs.length === 1) await gate;
    },
    (err) => t.fail(String(err)),
  );
  tick({ now: 0, seq: 1 });
  tick({ now: 6000, seq: 2 }); // due, but the first run is still going: skipped
  release();
  await new Promise((r) => setImmediate(r));
  tick({ now: 7000, seq: 3 }); // due again (last start was 0)
  tick({ now: 8000, seq: 4 }); // not due
  await new Promise((r) => setImmediate(r));
  tick({ now: 12000, seq: 5 }); // due (7000 + 5000)
  await new Promise((r) => setImmediate(r));
  t.deepEqual(runs, [0, 7000, 12000]);
});

test('the kernel clock drives onTick and every() keeps each module on its cadence', async (t) => {
  const kernel = new Kernel({ log: quiet(), tickMs: 20 });
  const fast: number[] = [];
  const slow: number[] = [];
  await kernel.boot([
    { module: { name: 'fast', register: (ctx) => ctx.every(0, (tick) => void fast.push(tick.seq)) } },
    { module: { name: 'slow', register: (ctx) => ctx.every(100, (tick) => void slow.push(tick.seq)) } },
  ]);
  await new Promise((r) => setTimeout(r, 330));
  await kernel.shutdown();
  t.true(fast.length >= 8, `fast ran ${fast.length} times`);
  t.true(slow.length >= 2 && slow.length <= 5, `slow ran ${slow.length} times`);
  const after = fast.length;
  await new Promise((r) => setTimeout(r, 60));
  t.is(fast.length, after, 'no ticks after shutdown');
});

test('a throwing tick tap is logged and does not stop the clock', async (t) => {
  const lines: string[] = [];
  const kernel = new Kernel({ log: createLogger({ sink: (l) => lines.push(l) }) });
  kernel.hooks.onTick.tap('bad', () => {
    throw new Error('boom');
  });
  let good = 0;
  kernel.hooks.onTick.tap('good', () => void good++);
  await kernel.clock.tick(1000);
  await kernel.clock.tick(2000);
  t.true(lines.some((l) => l.includes('boom')));
  t.true(good >= 1);
});
