/**
 * The reconciler's pure parts: the resubscribe backoff, the work queue's
 * requeues (earliest wins, not held by idle, forgotten, cleared on stop), the
 * requeue a reconcile answers through the real kernel hooks, and the one
 * runtime event subscription (fan-out by filter, teardown tracking,
 * resubscribe after a break) against a fake event source.
 */
import test from 'ava';
import { createHooks, createLogger, type ReconcileEvent } from '../../kernel/index.js';
import type { RuntimeEvent, Subscription } from '../../modules/runtime/contract.js';
import { Backoff } from '../../modules/reconciler/backoff.js';
import { RequeueResults } from '../../modules/reconciler/requeue-results.js';
import { RuntimeEvents, type Subscribe } from '../../modules/reconciler/runtime-events.js';
import { WorkQueue } from '../../modules/reconciler/work-queue.js';

const quiet = () => createLogger({ sink: () => {} });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const until = async (cond: () => boolean, ms = 2000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(5);
  }
};

test('backoff doubles from the base up to the cap, jitters down by at most a fifth, and starts over on reset', (t) => {
  const top = new Backoff(100, 1000, () => 0);
  t.deepEqual([1, 2, 3, 4, 5, 6].map(() => top.next()), [100, 200, 400, 800, 1000, 1000]);
  top.reset();
  t.is(top.next(), 100);
  const bottom = new Backoff(100, 1000, () => 1);
  t.deepEqual([1, 2, 3].map(() => bottom.next()), [80, 160, 320]);
  const random = new Backoff(1000, 30_000);
  for (let i = 0; i < 50; i++) {
    const d = random.next();
    t.true(d >= 800 && d <= 30_000, `${d} within the jittered, capped range`);
  }
  t.true(random.next() >= 24_000, 'stays at the cap however many failures');
});

function recordingQueue() {
  const runs: { key: string; cause: string; at: number }[] = [];
  const queue = new WorkQueue<string>(async (key, cause) => void runs.push({ key, cause, at: Date.now() }), 2);
  return { runs, queue };
}

test('addLater: the earliest time asked for wins, and one requeue runs once', async (t) => {
  const { runs, queue } = recordingQueue();
  const start = Date.now();
  queue.addLater('a', 'late', 300);
  queue.addLater('a', 'early', 40);
  queue.addLater('a', 'later still', 500);
  queue.addLater('b', 'b', 60);
  await until(() => runs.length >= 2);
  await sleep(400);
  t.deepEqual(runs.map((r) => `${r.key}:${r.cause}`), ['a:early', 'b:b']);
  t.true(runs[0]!.at - start < 250, 'ran at the earliest time, not a later one');
  await queue.stop();
});

test('addLater: work in between does not cancel the requeue, idle does not wait for it, forget does cancel it', async (t) => {
  const { runs, queue } = recordingQueue();
  queue.addLater('a', 'requeue', 80);
  queue.add('a', 'watch');
  await queue.idle();
  t.deepEqual(runs.map((r) => r.cause), ['watch'], 'idle resolved with the requeue still pending');
  await until(() => runs.length >= 2);
  t.deepEqual(runs.map((r) => r.cause), ['watch', 'requeue']);

  queue.addLater('b', 'requeue', 40);
  queue.forget('b');
  await sleep(100);
  t.is(runs.length, 2, 'a forgotten requeue never runs');
  await queue.stop();
});

test('addAfter (a retry) is still superseded by a fresh add, and stop clears every timer', async (t) => {
  const { runs, queue } = recordingQueue();
  queue.addAfter('a', 'retry', 60);
  queue.add('a', 'watch');
  await sleep(120);
  t.deepEqual(runs.map((r) => r.cause), ['watch']);
  queue.addAfter('b', 'retry', 40);
  queue.addLater('c', 'requeue', 40);
  await queue.stop();
  queue.addLater('d', 'requeue', 1);
  await sleep(100);
  t.deepEqual(runs.map((r) => r.cause), ['watch'], 'nothing runs after stop');
});

const event = (name: string): ReconcileEvent => ({ type: 'put', ref: { kind: 'thing', scope: 's', name }, revision: 1, cause: 'watch', attempt: 1 });

test('a reconcile answers { requeueAfter }: the earliest answer of the taps wins, read once per event', async (t) => {
  const hooks = createHooks();
  const hook = hooks.onReconcile.for('thing');
  const order: string[] = [];
  hook.tapPromise('slow', async () => {
    order.push('slow');
    return { requeueAfter: 5000 };
  });
  const results = new RequeueResults();
  results.read(hook);
  results.read(hook); // reading twice wraps once
  hook.tapPromise({ name: 'fast', stage: 10 }, async () => {
    order.push('fast');
    return { requeueAfter: 200 };
  });
  hook.tapPromise('silent', async () => void order.push('silent'));
  const e = event('a');
  t.is(await hook.promise(e), undefined, 'the hook itself still answers nothing');
  t.deepEqual(order, ['slow', 'silent', 'fast'], 'stages and order as before');
  t.is(results.take(e), 200);
  t.is(results.take(e), undefined);

  const other = hooks.onReconcile.for('other');
  other.tapPromise('none', async () => undefined);
  other.tapPromise('bad', async () => ({ requeueAfter: -1 }));
  results.read(other);
  const e2 = event('b');
  await other.promise(e2);
  t.is(results.take(e2), undefined, 'no answer and a negative one ask for nothing');
});

test('a tap that throws after another answered keeps that answer and the error', async (t) => {
  const hook = createHooks().onReconcile.for('thing');
  const results = new RequeueResults();
  results.read(hook);
  hook.tapPromise('first', async () => ({ requeueAfter: 100 }));
  hook.tapPromise('second', async () => {
    throw new Error('boom');
  });
  const e = event('a');
  await t.throwsAsync(hook.promise(e), { message: 'boom' });
  t.is(results.take(e), 100);
});

/** A fake event source: each subscription can be fed events and broken. */
function fakeRuntime(failFirst = 0) {
  const subs: { onEvent: (e: RuntimeEvent) => void; onError: (err: Error) => void; closed: boolean }[] = [];
  let failures = failFirst;
  const subscribe: Subscribe = async (onEvent, onError) => {
    if (failures-- > 0) throw new Error('engine unreachable');
    const s = { onEvent, onError, closed: false };
    subs.push(s);
    const sub: Subscription = { close: () => void (s.closed = true) };
    return sub;
  };
  const live = () => subs.filter((s) => !s.closed);
  return { subs, live, subscribe };
}

const ev = (action: string, containerId: string, role = 'deployment'): RuntimeEvent => ({
  action,
  containerId,
  name: `c-${containerId}`,
  labels: { 'voodu.role': role, 'voodu.kind': role, 'voodu.name': 'api' },
  time: Date.now(),
});

test('runtime events: one subscription fans out by action and role; a throwing listener does not starve the others', async (t) => {
  const rt = fakeRuntime();
  const events = new RuntimeEvents(rt.subscribe, quiet());
  const all: string[] = [];
  const deaths: string[] = [];
  const jobs: string[] = [];
  events.on({}, (e) => void all.push(e.action));
  events.on({ actions: ['die', 'destroy'] }, (e) => void deaths.push(e.action));
  events.on({ roles: ['job'] }, () => {
    throw new Error('listener bug');
  });
  const off = events.on({ roles: ['job'], actions: ['start'] }, (e) => void jobs.push(e.containerId));
  await events.start();
  t.is(rt.live().length, 1);
  const sub = rt.live()[0]!;
  sub.onEvent(ev('start', 'j1', 'job'));
  sub.onEvent(ev('die', 'd1'));
  sub.onEvent(ev('destroy', 'd1'));
  off();
  sub.onEvent(ev('start', 'j2', 'job'));
  t.deepEqual(all, ['start', 'die', 'destroy', 'start']);
  t.deepEqual(deaths, ['die', 'destroy']);
  t.deepEqual(jobs, ['j1'], 'unsubscribed listeners hear nothing more');
  events.stop();
  t.true(sub.closed);
});

test('runtime events: kill marks a container tearing down until it starts again or is destroyed; ids compare by prefix', async (t) => {
  const rt = fakeRuntime();
  const events = new RuntimeEvents(rt.subscribe, quiet());
  const seenTearing: boolean[] = [];
  events.on({ actions: ['kill'] }, (e) => void seenTearing.push(events.isTearingDown(e.containerId)));
  await events.start();
  const sub = rt.live()[0]!;
  sub.onEvent(ev('kill', 'abcdef123456'));
  t.deepEqual(seenTearing, [true], 'listeners already see the kill');
  t.true(events.isTearingDown('abcdef123456'));
  t.true(events.isTearingDown('abcdef'), 'a short id matches');
  t.true(events.isTearingDown('abcdef123456789'), 'a long id matches its short form');
  t.false(events.isTearingDown('other'));
  t.false(events.isTearingDown(''));
  sub.onEvent(ev('die', 'abcdef123456'));
  t.true(events.isTearingDown('abcdef123456'), 'still tearing down until removed or started');
  sub.onEvent(ev('start', 'abcdef123456'));
  t.false(events.isTearingDown('abcdef123456'));
  sub.onEvent(ev('kill', 'x1'));
  sub.onEvent(ev('destroy', 'x1'));
  t.false(events.isTearingDown('x1'));
  events.stop();
});

test('runtime events: a broken stream is subscribed again with backoff, listeners are told to look afresh, stop ends it', async (t) => {
  const rt = fakeRuntime(2); // the engine is down at first
  const waits: number[] = [];
  const backoff = new Backoff(20, 1000, () => 0);
  const next = backoff.next.bind(backoff);
  backoff.next = () => {
    const d = next();
    waits.push(d);
    return d;
  };
  const events = new RuntimeEvents(rt.subscribe, quiet(), { backoff, healthyMs: 100 });
  let resumed = 0;
  const got: string[] = [];
  events.on({}, (e) => void got.push(e.containerId), () => void resumed++);
  await events.start(); // never throws
  t.is(rt.live().length, 0);
  await until(() => rt.live().length === 1);
  t.deepEqual(waits, [20, 40], 'two failed subscribes waited 20 then 40 ms');
  t.is(resumed, 1, 'the first stream after failures is a resume');

  const first = rt.live()[0]!;
  first.onError(new Error('engine events stream ended'));
  t.true(first.closed, 'the broken subscription is closed');
  first.onEvent(ev('start', 'stray'));
  t.deepEqual(got, [], 'a late event of a closed subscription is dropped');
  await until(() => rt.live().length === 1);
  t.deepEqual(waits, [20, 40, 80], 'a stream that broke at once backs off further');
  t.is(resumed, 2);

  await sleep(120); // this one stayed up past healthyMs
  rt.live()[0]!.onError(new Error('dockerd restarted'));
  await until(() => rt.live().length === 1);
  t.is(waits.at(-1), 20, 'after a healthy stream the backoff starts over');
  t.is(resumed, 3);
  rt.live()[0]!.onEvent(ev('start', 'c9'));
  t.deepEqual(got, ['c9']);

  rt.live()[0]!.onError(new Error('ended'));
  events.stop();
  await sleep(60);
  t.is(rt.live().length, 0, 'no resubscribe after stop');
  t.is(rt.subs.length, 3);
});

test('runtime events: a healthy first subscription is no resume', async (t) => {
  const rt = fakeRuntime();
  const events = new RuntimeEvents(rt.subscribe, quiet());
  let resumed = 0;
  events.on({}, () => undefined, () => void resumed++);
  await events.start();
  t.is(resumed, 0);
  events.stop();
});

test('teardown lane: deletions run under their own bound, and neither lane waits for the other', async (t) => {
  let running = { work: 0, teardown: 0 };
  const peak = { work: 0, teardown: 0 };
  const gates: (() => void)[] = [];
  const teardown = (key: string) => key.startsWith('gone/');
  const queue = new WorkQueue<string>(
    async (key) => {
      const lane = teardown(key) ? 'teardown' : 'work';
      running = { ...running, [lane]: running[lane] + 1 };
      peak[lane] = Math.max(peak[lane], running[lane]);
      await new Promise<void>((resolve) => gates.push(resolve));
      running = { ...running, [lane]: running[lane] - 1 };
    },
    2,
    { of: teardown, concurrency: 5 },
  );
  for (let i = 0; i < 8; i++) queue.add(`gone/${i}`, 'watch');
  for (let i = 0; i < 3; i++) queue.add(`live/${i}`, 'watch');
  await sleep(20);
  t.deepEqual(running, { work: 2, teardown: 5 }, 'eight deletions did not take the workers of the creates, nor wait behind them');
  while (queue.size) {
    gates.splice(0).forEach((open) => open());
    await sleep(5);
  }
  t.deepEqual(peak, { work: 2, teardown: 5 });
  await queue.stop();
});

test('a key queued again while it runs reruns with the merged cause: a weaker later cause does not replace a stronger one', async (t) => {
  const runs: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const queue = new WorkQueue<string>(
    async (key, cause) => {
      runs.push(`${key}:${cause}`);
      if (runs.length === 1) await gate;
    },
    2,
    undefined,
    (queued, next) => (next === 'runtime' ? queued : next),
  );
  queue.add('a', 'watch'); // runs, held at the gate
  await until(() => runs.length === 1);
  queue.add('a', 'watch'); // the delete, while the first run is still going
  queue.add('a', 'runtime'); // then the events of what that run created
  queue.add('a', 'runtime');
  release();
  await until(() => runs.length === 2);
  await sleep(50);
  t.deepEqual(runs, ['a:watch', 'a:watch'], 'the rerun keeps the watch cause');
  await queue.stop();
});
