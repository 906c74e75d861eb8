/**
 * The store against a real etcd: KV, txn, leases, watch (catch-up, order,
 * compaction, etcd restarts), the etcd supervisor and the module wiring.
 * Tests that stop, kill or compact etcd get their own.
 */
import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kernel, createLogger, type ModuleEntry } from '../../kernel/index.js';
import type { WatchEvent } from '../../modules/store/contract.js';
import { EmbeddedEtcd } from '../../modules/store/embedded-etcd.js';
import { EtcdStore, WatchCancelledError } from '../../modules/store/etcd-store.js';
import storeModule from '../../modules/store/index.js';
import { startEtcd, type TestEtcd } from '../helpers/etcd.js';
import { freePorts } from '../helpers/ports.js';
import { requireBinary } from '../helpers/require.js';

/** For expected failures: etcd's fatal lines would only clutter the output. */
const quiet = createLogger({ name: 'test', sink: () => {} });
const cleanups: Array<() => Promise<unknown> | unknown> = [];
let shared: TestEtcd;
let seq = 0;
/** A key prefix no other test uses. */
const prefix = () => `/t${++seq}/`;

test.before(async () => {
  shared = await startEtcd();
  cleanups.push(() => shared.stop());
});

test.after.always(async () => {
  for (const fn of cleanups.reverse()) {
    try {
      await fn();
    } catch {
      // Clean up the rest regardless.
    }
  }
});

/** A dedicated etcd, stopped at the end of the run. */
async function ownEtcd(options: Parameters<typeof startEtcd>[0] = {}): Promise<TestEtcd> {
  const e = await startEtcd(options);
  cleanups.push(() => e.stop());
  return e;
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'voodu-store-test-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Polls `fn` until it returns true, failing after `ms`. */
async function eventually(fn: () => boolean | Promise<boolean>, ms: number, what: string | (() => string)): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      if (await fn()) return;
    } catch {
      // Not yet.
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${typeof what === 'function' ? what() : what}`);
    await sleep(50);
  }
}

/** Retries `fn` while etcd is coming back. */
async function retrying<T>(fn: () => Promise<T>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(100);
    }
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

// ---------------------------------------------------------------- KV

test('get, put, delete and the JSON helpers', async (t) => {
  const s = shared.store;
  const p = prefix();
  t.is(await s.get(`${p}missing`), undefined);
  t.is(await s.getJSON(`${p}missing`), undefined);

  const r1 = await s.put(`${p}a`, 'one');
  const kv1 = await s.get(`${p}a`);
  t.like(kv1, { key: `${p}a`, value: 'one', modRevision: r1.revision, createRevision: r1.revision, version: 1 });

  const r2 = await s.put(`${p}a`, 'two');
  t.true(r2.revision > r1.revision);
  t.like(await s.get(`${p}a`), { value: 'two', modRevision: r2.revision, createRevision: r1.revision, version: 2 });

  await s.putJSON(`${p}j`, { kind: 'deployment', replicas: 3, tags: ['x'] });
  t.deepEqual(await s.getJSON(`${p}j`), { kind: 'deployment', replicas: 3, tags: ['x'] });
  t.is((await s.get(`${p}j`))?.value, '{"kind":"deployment","replicas":3,"tags":["x"]}');

  await s.put(`${p}bad`, '{nope');
  await t.throwsAsync(() => s.getJSON(`${p}bad`), { message: new RegExp(`key "${p}bad" is not valid JSON`) });

  t.true(await s.delete(`${p}a`));
  t.false(await s.delete(`${p}a`));
  t.is(await s.get(`${p}a`), undefined);

  // Non-ASCII keys and values survive the round trip.
  await s.put(`${p}ü`, 'ß→✓');
  t.is((await s.get(`${p}ü`))?.value, 'ß→✓');
});

test('list returns the prefix sorted by key, read at one revision', async (t) => {
  const s = shared.store;
  const p = prefix();
  for (const k of ['c', 'a', 'b/2', 'b/1']) await s.put(`${p}${k}`, k);
  await s.put(`${p.slice(0, -1)}x`, 'sibling outside the prefix');

  const list = await s.list(p);
  t.deepEqual(list.items.map((i) => i.key), [`${p}a`, `${p}b/1`, `${p}b/2`, `${p}c`]);
  t.deepEqual(list.items.map((i) => i.value), ['a', 'b/1', 'b/2', 'c']);
  t.true(list.revision >= Math.max(...list.items.map((i) => i.modRevision)));
  t.true(list.revision <= (await s.revision()));

  const empty = await s.list(`${p}nothing/`);
  t.deepEqual(empty.items, []);
  t.true(empty.revision >= list.revision, 'an empty list still carries a revision');

  // Paging reads later pages at the first page's revision: same answer.
  const paged = new EtcdStore({ endpoints: [shared.endpoint], listPageSize: 2 });
  cleanups.push(() => paged.close());
  const again = await paged.list(p);
  t.deepEqual(again.items, (await s.list(p)).items);
});

test('deletePrefix deletes only that prefix and counts', async (t) => {
  const s = shared.store;
  const p = prefix();
  for (const k of ['a', 'b', 'c/d']) await s.put(`${p}x/${k}`, k);
  await s.put(`${p}xy`, 'not under x/');
  t.is(await s.deletePrefix(`${p}x/`), 3);
  t.is(await s.deletePrefix(`${p}x/`), 0);
  t.deepEqual((await s.list(p)).items.map((i) => i.key), [`${p}xy`]);
  await t.throwsAsync(() => s.deletePrefix(''), { message: /prefix must be a non-empty string/ });
});

test('revision() follows writes', async (t) => {
  const s = shared.store;
  const before = await s.revision();
  const { revision } = await s.put(`${prefix()}k`, 'v');
  t.true(revision > before);
  t.true((await s.revision()) >= revision);
});

// ---------------------------------------------------------------- txn

test('txn: a failing compare applies nothing, the failure branch runs', async (t) => {
  const s = shared.store;
  const p = prefix();
  await s.put(`${p}owner`, 'node-a');
  const kept = await s.put(`${p}x`, 'keep');

  const res = await s.txn({
    compare: [
      { key: `${p}owner`, target: 'value', op: '==', value: 'node-a' },
      { key: `${p}owner`, target: 'value', op: '==', value: 'node-b' },
    ],
    success: [
      { op: 'put', key: `${p}new`, value: '1' },
      { op: 'delete', key: `${p}x` },
    ],
    failure: [{ op: 'put', key: `${p}lost`, value: 'yes' }],
  });
  t.false(res.succeeded);
  t.is(await s.get(`${p}new`), undefined);
  t.like(await s.get(`${p}x`), { value: 'keep', modRevision: kept.revision });
  t.is((await s.get(`${p}lost`))?.modRevision, res.revision);

  // No failure branch: nothing changes.
  const none = await s.txn({ compare: [{ key: `${p}owner`, target: 'version', op: '>', value: 5 }], success: [{ op: 'delete', key: `${p}x` }] });
  t.false(none.succeeded);
  t.like(await s.get(`${p}x`), { value: 'keep', modRevision: kept.revision });
  t.deepEqual((await s.list(p)).items.map((i) => i.key), [`${p}lost`, `${p}owner`, `${p}x`]);
});

test('txn: success applies every op at one revision', async (t) => {
  const s = shared.store;
  const p = prefix();
  const { revision: created } = await s.put(`${p}owner`, 'node-a');
  await s.put(`${p}old/1`, '1');
  await s.put(`${p}old/2`, '2');
  await s.put(`${p}gone`, 'x');

  const res = await s.txn({
    compare: [
      { key: `${p}owner`, target: 'mod', op: '==', value: created },
      { key: `${p}fresh`, target: 'create', op: '==', value: 0 },
      { key: `${p}owner`, target: 'value', op: '!=', value: 'node-b' },
      { key: `${p}owner`, target: 'version', op: '<', value: 2 },
    ],
    success: [
      { op: 'put', key: `${p}fresh`, value: 'f' },
      { op: 'put', key: `${p}owner`, value: 'node-b' },
      { op: 'delete', key: `${p}gone` },
      { op: 'deletePrefix', prefix: `${p}old/` },
    ],
  });
  t.true(res.succeeded);
  const list = await s.list(p);
  t.deepEqual(list.items.map((i) => [i.key, i.value]), [
    [`${p}fresh`, 'f'],
    [`${p}owner`, 'node-b'],
  ]);
  t.true(list.items.every((i) => i.modRevision === res.revision));

  // The same CAS again now fails: owner's mod revision moved on.
  const again = await s.txn({
    compare: [{ key: `${p}owner`, target: 'mod', op: '==', value: created }],
    success: [{ op: 'put', key: `${p}owner`, value: 'node-c' }],
  });
  t.false(again.succeeded);
  t.is((await s.get(`${p}owner`))?.value, 'node-b');
});

// ---------------------------------------------------------------- leases

test('lease: keys are bound to it and revoke removes them', async (t) => {
  const s = shared.store;
  const p = prefix();
  const lease = await s.lease(5);
  t.regex(lease.id, /^\d+$/);
  t.is(lease.ttlSeconds, 5);
  await lease.put(`${p}alive`, 'yes');
  await s.txn({ success: [{ op: 'put', key: `${p}viaTxn`, value: 'yes', lease: lease.id }] });
  t.is((await s.get(`${p}alive`))?.value, 'yes');
  let lost = false;
  lease.onLost(() => (lost = true));
  await lease.revoke();
  t.is(await s.get(`${p}alive`), undefined);
  t.is(await s.get(`${p}viaTxn`), undefined);
  await sleep(200);
  t.false(lost, 'a revoke is not a loss');
});

test('lease: kept alive past its TTL, gone after keepalives stop', async (t) => {
  const other = new EtcdStore({ endpoints: [shared.endpoint] });
  cleanups.push(() => other.close());
  const p = prefix();
  const lease = await other.lease(2);
  await lease.put(`${p}beat`, 'x');
  await sleep(3500); // well past the TTL: only keepalives keep it
  t.is((await shared.store.get(`${p}beat`))?.value, 'x');

  // A controller that dies stops its keepalives; closing the store does the same.
  await other.close();
  const stoppedAt = Date.now();
  await eventually(async () => (await shared.store.get(`${p}beat`)) === undefined, 6000, 'the leased key to expire');
  t.log(`key expired ${Date.now() - stoppedAt} ms after keepalives stopped`);
  t.pass();
});

test('lease: onLost fires when etcd drops the lease', async (t) => {
  const s = shared.store;
  const lease = await s.lease(3);
  await lease.put(`${prefix()}k`, 'v');
  const lost = new Promise<Error>((resolve) => lease.onLost(resolve));
  // Someone else revokes it: the next keepalive answer says it is gone.
  await s.client.leaseClient.leaseRevoke({ ID: lease.id });
  const err = await Promise.race([lost, sleep(5000).then(() => undefined)]);
  t.truthy(err, 'onLost was not called');
  t.regex(err!.message, new RegExp(`lease ${lease.id} \\(ttl 3s\\) was lost`));
  await t.throwsAsync(() => lease.put(`${prefix()}k2`, 'v'), { message: /was lost/ });
  // Late subscribers still hear about it.
  t.is(await new Promise<Error>((resolve) => lease.onLost(resolve)), err!);
});

test('lease: ttl must be a whole number of seconds', async (t) => {
  await t.throwsAsync(() => shared.store.lease(0), { message: /ttlSeconds/ });
  await t.throwsAsync(() => shared.store.lease(1.5), { message: /ttlSeconds/ });
});

// ---------------------------------------------------------------- watch

/** Collects watch events and lets a test wait for a count. */
function collector() {
  const events: WatchEvent[] = [];
  const errors: Error[] = [];
  return {
    events,
    errors,
    onEvent: (e: WatchEvent) => void events.push(e),
    onError: (e: Error) => void errors.push(e),
    until: (n: number, ms = 10_000) => eventually(() => events.length >= n, ms, () => `${n} watch events (have ${events.length})`),
  };
}

test('watch from list.revision + 1 sees every change after the list, in order', async (t) => {
  const s = shared.store;
  const p = prefix();
  await s.put(`${p}before`, '0');
  const list = await s.list(p);
  t.is(list.items.length, 1);

  // Changes between the list and the watch: the gap a reconciler must not miss.
  await s.put(`${p}a`, '1');
  await s.put(`${p}b`, '2');
  await s.delete(`${p}a`);
  await s.put(`${p}before`, '3');
  await s.txn({ success: [{ op: 'put', key: `${p}c`, value: '4' }, { op: 'put', key: `${p}d`, value: '5' }] });
  await s.put(`${p.slice(0, -1)}-outside`, 'not ours');

  const c = collector();
  const watch = await s.watch(p, { fromRevision: list.revision + 1, onEvent: c.onEvent, onError: c.onError });
  cleanups.push(() => watch.close());
  await c.until(6);
  // And live ones after the watch started.
  await s.put(`${p}live`, '6');
  await c.until(7);

  t.deepEqual(
    c.events.map((e) => [e.type, e.key.slice(p.length), e.value]),
    [
      ['put', 'a', '1'],
      ['put', 'b', '2'],
      ['delete', 'a', ''],
      ['put', 'before', '3'],
      ['put', 'c', '4'],
      ['put', 'd', '5'],
      ['put', 'live', '6'],
    ],
  );
  t.is(c.events[2]!.prevValue, '1', 'a delete carries the value it removed');
  t.is(c.events[3]!.prevValue, '0');
  const revs = c.events.map((e) => e.modRevision);
  t.true(revs.every((r, i) => i === 0 || r >= revs[i - 1]!), 'revision order');
  t.is(revs[4], revs[5], 'one txn, one revision');
  t.true(revs[0]! > list.revision);
  await eventually(() => watch.lastRevision === revs[6], 2000, 'lastRevision');
  t.deepEqual(c.errors, []);
  await watch.close();
  await s.put(`${p}after-close`, 'x');
  await sleep(300);
  t.is(c.events.length, 7, 'nothing is delivered after close');
});

test('watch without fromRevision starts after the current revision', async (t) => {
  const s = shared.store;
  const p = prefix();
  await s.put(`${p}old`, 'x');
  const c = collector();
  const watch = await s.watch(p, { onEvent: c.onEvent });
  cleanups.push(() => watch.close());
  t.is(watch.lastRevision, 0);
  await s.put(`${p}new`, 'y');
  await c.until(1);
  await sleep(200);
  t.deepEqual(c.events.map((e) => e.key), [`${p}new`]);
  await watch.close();
});

test('watch delivers one event at a time: the next waits for the handler', async (t) => {
  const s = shared.store;
  const p = prefix();
  const from = (await s.revision()) + 1;
  const seen: string[] = [];
  let running = 0;
  let maxRunning = 0;
  const watch = await s.watch(p, {
    fromRevision: from,
    async onEvent(e) {
      running++;
      maxRunning = Math.max(maxRunning, running);
      // Later events wait less: out-of-order delivery would show up.
      await sleep(e.value === '0' ? 150 : 5);
      seen.push(e.value);
      running--;
    },
  });
  cleanups.push(() => watch.close());
  await Promise.all(Array.from({ length: 10 }, (_, i) => s.put(`${p}k${i}`, String(i))));
  await eventually(() => seen.length === 10, 10_000, '10 handled events');
  t.is(maxRunning, 1);
  const order = (await s.list(p)).items.sort((a, b) => a.modRevision - b.modRevision).map((i) => i.value);
  t.deepEqual(seen, order);
  await watch.close();
});

test('watch: a failing handler stops the watch and reaches onError', async (t) => {
  const s = shared.store;
  const p = prefix();
  const c = collector();
  const watch = await s.watch(p, {
    onEvent(e) {
      if (e.value === 'boom') throw new Error('handler exploded');
      c.events.push(e);
    },
    onError: c.onError,
  });
  cleanups.push(() => watch.close());
  await s.put(`${p}1`, 'ok');
  await s.put(`${p}2`, 'boom');
  await s.put(`${p}3`, 'never');
  await eventually(() => c.errors.length === 1, 5000, 'onError');
  t.regex(c.errors[0]!.message, /onEvent failed on put of ".*2" at revision \d+: handler exploded/);
  await sleep(200);
  t.deepEqual(c.events.map((e) => e.value), ['ok']);
  t.is(watch.lastRevision, c.events[0]!.modRevision);
});

test('watch from a compacted revision reports onError', async (t) => {
  const { store } = await ownEtcd();
  const p = prefix();
  const first = await store.put(`${p}a`, '1');
  await store.put(`${p}a`, '2');
  await store.put(`${p}b`, '3');
  const head = await store.revision();
  await store.client.kv.compact({ revision: head, physical: true });

  const c = collector();
  const watch = await store.watch(p, { fromRevision: first.revision, onEvent: c.onEvent, onError: c.onError });
  await eventually(() => c.errors.length > 0, 5000, 'onError');
  const err = c.errors[0]!;
  t.log(err.message);
  t.true(err instanceof WatchCancelledError);
  t.true((err as WatchCancelledError).compacted);
  t.regex(err.message, new RegExp(`watch of "${p}" cannot continue from revision ${first.revision}: etcd has compacted its history`));
  t.deepEqual(c.events, []);
  await watch.close(); // harmless on a cancelled watch

  // From the compaction point on, watching works again.
  const c2 = collector();
  const w2 = await store.watch(p, { fromRevision: head, onEvent: c2.onEvent, onError: c2.onError });
  await c2.until(1);
  t.is(c2.events[0]!.modRevision, head);
  t.deepEqual(c2.errors, []);
  await w2.close();
});

test('watch survives an etcd restart and resumes where it was', async (t) => {
  const e = await ownEtcd();
  const p = prefix();
  const c = collector();
  const watch = await e.store.watch(p, { onEvent: c.onEvent, onError: c.onError });
  cleanups.push(() => watch.close());
  await e.store.put(`${p}1`, 'before');
  await c.until(1);

  await e.etcd.stop();
  await t.throwsAsync(() => e.store.put(`${p}x`, 'down'), { message: /unavailable/ });
  await e.etcd.start(); // same ports and data dir

  // Written before the watch has necessarily reconnected: resume must fetch it.
  const other = new EtcdStore({ endpoints: [e.endpoint] });
  cleanups.push(() => other.close());
  await retrying(() => other.put(`${p}2`, 'right after restart'));
  await retrying(() => e.store.put(`${p}3`, 'later'));
  await c.until(3, 15_000);
  t.deepEqual(c.events.map((ev) => ev.value), ['before', 'right after restart', 'later']);
  t.deepEqual(c.errors, []);
  await watch.close();
});

/**
 * A TCP proxy to etcd that can slow etcd's answers down and cut every
 * connection, to break a watch at a chosen moment.
 */
async function proxyTo(endpoint: string) {
  const target = new URL(endpoint);
  const sockets = new Set<import('node:net').Socket>();
  let slow = false;
  let connections = 0;
  const server = createServer((client) => {
    connections++;
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    client.on('data', (d) => upstream.write(d));
    // etcd → client, in 2 KiB pieces 10 ms apart while `slow`, so a catch-up
    // of many responses is still in flight when the test cuts.
    upstream.on('data', async (d: Buffer) => {
      if (!slow) return void client.write(d);
      upstream.pause();
      for (let i = 0; i < d.length && !client.destroyed; i += 2048) {
        client.write(d.subarray(i, i + 2048));
        await sleep(10);
      }
      upstream.resume();
    });
    for (const s of [client, upstream]) {
      s.on('error', () => undefined);
      s.on('close', () => {
        client.destroy();
        upstream.destroy();
        sockets.delete(client);
        sockets.delete(upstream);
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as import('node:net').AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    connections: () => connections,
    setSlow: (v: boolean) => void (slow = v),
    cut: () => sockets.forEach((s) => s.destroy()),
    close: () => {
      sockets.forEach((s) => s.destroy());
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

test('watch cut during a long catch-up resumes from the last event received, not the head', async (t) => {
  const e = await ownEtcd();
  const p = prefix();
  const first = (await e.store.revision()) + 1;
  // 3000 revisions: etcd sends catch-up in batches of 1000 revisions, each
  // stamped with the *current* revision, which is where etcd3 alone would resume.
  const total = 3000;
  for (let i = 0; i < total; i += 100) {
    await Promise.all(Array.from({ length: 100 }, (_, j) => e.store.put(`${p}${String(i + j).padStart(4, '0')}`, 'x'.repeat(20))));
  }
  const proxy = await proxyTo(e.endpoint);
  cleanups.push(() => proxy.close());
  const viaProxy = new EtcdStore({ endpoints: [proxy.endpoint] });
  cleanups.push(() => viaProxy.close());

  proxy.setSlow(true);
  const revs: number[] = [];
  const errors: Error[] = [];
  const watch = await viaProxy.watch(p, {
    fromRevision: first,
    onEvent(ev) {
      revs.push(ev.modRevision);
      if (revs.length === 1) {
        proxy.setSlow(false);
        proxy.cut();
      }
    },
    onError: (err) => void errors.push(err),
  });
  cleanups.push(() => watch.close());
  await eventually(() => revs.length >= total, 20_000, () => `${total} events (have ${revs.length})`);
  await sleep(300);
  t.deepEqual(errors, []);
  t.is(revs.length, total, 'no duplicates');
  t.deepEqual(revs, Array.from({ length: total }, (_, i) => first + i), 'no gaps, in order');
  t.true(proxy.connections() >= 2, 'the watch really reconnected');
  await watch.close();
});

// ---------------------------------------------------------------- supervisor

test('supervisor restarts etcd after kill -9', async (t) => {
  const e = await ownEtcd({ restartBackoff: { initialMs: 100, maxMs: 1000 } });
  const oldPid = e.etcd.pid!;
  await e.store.put('/k9/before', 'x');
  process.kill(oldPid, 'SIGKILL');
  await eventually(() => e.etcd.restarts === 1 && e.etcd.pid !== undefined && e.etcd.pid !== oldPid, 10_000, 'a restart');
  t.true(await e.etcd.waitHealthy(15_000), 'healthy again');
  t.false(alive(oldPid));
  // Same data dir: the data survived.
  t.is((await retrying(() => e.store.get('/k9/before')))?.value, 'x');
  await retrying(() => e.store.put('/k9/after', 'y'));
});

test('startup failure: etcd exits and the error quotes its output', async (t) => {
  requireBinary('etcd');
  const [clientPort, peerPort] = await freePorts(2);
  // Hold the peer port so etcd cannot bind it.
  const blocker: Server = createServer();
  await new Promise<void>((resolve) => blocker.listen(peerPort, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => blocker.close(resolve)));
  const etcd = new EmbeddedEtcd({
    dataDir: join(await tempDir(), 'data'),
    clientUrl: `http://127.0.0.1:${clientPort}`,
    peerUrl: `http://127.0.0.1:${peerPort}`,
    log: quiet,
  });
  const err = await t.throwsAsync(() => etcd.start());
  t.regex(err!.message, /etcd exited during startup \(exit code \d+\)/);
  t.regex(err!.message, /address already in use/);
  t.is(etcd.pid, undefined);
});

/** An EmbeddedEtcd whose binary is the shell `script`, on free ports, with a 1 s readyTimeoutMs. */
async function scriptedEtcd(script: string): Promise<{ etcd: EmbeddedEtcd; clientPort: number }> {
  const dir = await tempDir();
  const fake = join(dir, 'etcd');
  await writeFile(fake, `#!/bin/sh\n${script}`);
  await chmod(fake, 0o755);
  const [clientPort, peerPort] = (await freePorts(2)) as [number, number];
  const etcd = new EmbeddedEtcd({
    bin: fake,
    dataDir: join(dir, 'data'),
    clientUrl: `http://127.0.0.1:${clientPort}`,
    peerUrl: `http://127.0.0.1:${peerPort}`,
    readyTimeoutMs: 1000,
    log: quiet,
  });
  return { etcd, clientPort };
}

test('startup timeout: the error quotes the output and the child is killed', async (t) => {
  const { etcd, clientPort } = await scriptedEtcd('echo "fake etcd says hi"\necho "to stderr too" >&2\nexec sleep 60\n');
  let pid: number | undefined;
  const started = Date.now();
  const probe = setInterval(() => (pid ??= etcd.pid), 20);
  const err = await t.throwsAsync(() => etcd.start());
  clearInterval(probe);
  t.regex(err!.message, new RegExp(`did not become healthy at http://127.0.0.1:${clientPort}/health: no progress \\(no CPU time, no output\\) for 1000 ms`));
  t.regex(err!.message, /fake etcd says hi/);
  t.regex(err!.message, /to stderr too/);
  t.true(Date.now() - started < 10_000);
  t.truthy(pid);
  t.false(alive(pid!), 'the hung child was killed');
});

test('a slow start that keeps etcd busy (a long WAL replay) is waited for, past readyTimeoutMs', async (t) => {
  const real = requireBinary('etcd');
  // Busy for 4 s, four times readyTimeoutMs, printing nothing, as etcd replaying a large WAL is; then the real etcd.
  const { etcd } = await scriptedEtcd(`end=$(($(date +%s) + 4))\nwhile [ "$(date +%s)" -lt "$end" ]; do :; done\nexec ${real} "$@"\n`);
  cleanups.push(() => etcd.stop());
  const started = Date.now();
  await etcd.start();
  const took = Date.now() - started;
  t.log(`healthy after ${took} ms with readyTimeoutMs 1000`);
  // `date +%s` counts whole seconds, so the busy phase lasts 3 to 4 s: well past the 1 s that used to get it killed.
  t.true(took >= 2500, `healthy after only ${took} ms: the busy phase did not run`);
  t.true(await etcd.health());
});

test('a missing etcd binary names it and the fix', async (t) => {
  const dataDir = join(await tempDir(), 'data');
  for (const bin of ['voodu-no-such-etcd', '/nonexistent/bin/etcd']) {
    const etcd = new EmbeddedEtcd({ bin, dataDir, log: quiet });
    const err = await t.throwsAsync(() => etcd.start());
    t.regex(err!.message, new RegExp(`etcd binary "${bin}"`));
    t.regex(err!.message, /--etcd-bin/);
    t.regex(err!.message, /etcd-server/);
  }
});

test('start stops an etcd a crashed controller left on the same data dir, and nothing else', async (t) => {
  const bin = requireBinary('etcd');
  const dir = await tempDir();
  const dataDir = join(dir, 'data');
  await mkdir(dataDir, { mode: 0o700 });
  const [clientPort, peerPort] = await freePorts(2);
  const clientUrl = `http://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const etcd = new EmbeddedEtcd({ bin, dataDir, clientUrl, peerUrl, name: 'x', log: quiet });
  cleanups.push(() => etcd.stop());

  // A pid file naming some other live process must not get it killed.
  const bystander: ChildProcess = spawn('sleep', ['30'], { stdio: 'ignore' });
  cleanups.push(() => bystander.kill('SIGKILL'));
  await writeFile(etcd.pidFile, `${bystander.pid}\n`);
  await etcd.start();
  t.true(alive(bystander.pid!), 'unrelated process left alone');
  await etcd.stop();

  // The orphan: an etcd on our data dir that no supervisor owns any more.
  const orphan = spawn(
    bin,
    ['--name', 'x', '--data-dir', dataDir, '--listen-client-urls', clientUrl, '--advertise-client-urls', clientUrl,
      '--listen-peer-urls', peerUrl, '--initial-advertise-peer-urls', peerUrl, '--initial-cluster', `x=${peerUrl}`,
      '--log-level', 'error', '--logger', 'zap'],
    { stdio: 'ignore' },
  );
  cleanups.push(() => orphan.kill('SIGKILL'));
  await writeFile(etcd.pidFile, `${orphan.pid}\n`);
  await eventually(() => etcd.health(), 15_000, 'the orphan etcd to be up');

  await etcd.start();
  await eventually(() => orphan.exitCode !== null || orphan.signalCode !== null, 5000, 'the orphan to exit');
  t.not(etcd.pid, orphan.pid);
  t.true(await etcd.health());
  await etcd.stop();
  t.false(alive(orphan.pid!));
});

test('stop() ends etcd and it is not restarted', async (t) => {
  const e = await ownEtcd({ restartBackoff: { initialMs: 50, maxMs: 100 } });
  const pid = e.etcd.pid!;
  await e.etcd.stop();
  t.false(alive(pid));
  await sleep(500);
  t.is(e.etcd.pid, undefined);
  t.false(await e.etcd.health());
  t.is(e.etcd.restarts, 0);
});

// ---------------------------------------------------------------- module

async function boot(options: Record<string, unknown>, extra: ModuleEntry[] = []) {
  const kernel = new Kernel({ log: quiet });
  cleanups.push(() => kernel.shutdown());
  await kernel.boot([...extra, { module: storeModule, options }]);
  return kernel;
}

test('module, external mode: provides a working store on the given endpoints', async (t) => {
  const kernel = await boot({ endpoints: [shared.endpoint] });
  const store = kernel.services.get('store', 'test');
  const p = prefix();
  await store.put(`${p}k`, 'v');
  t.is((await shared.store.get(`${p}k`))?.value, 'v');
  await kernel.shutdown();
});

test('module, external mode: an unreachable etcd fails start naming the endpoints', async (t) => {
  const [port] = await freePorts(1);
  const err = await t.throwsAsync(() => boot({ endpoints: [`http://127.0.0.1:${port}`] }));
  t.regex(err!.message, /module "store" failed to start/);
  t.regex(err!.message, new RegExp(`store.endpoints http://127.0.0.1:${port}\\) is not reachable`));
});

test('module, embedded mode: runs etcd in dataDir, and paths.state is the default', async (t) => {
  requireBinary('etcd');
  const dir = await tempDir();
  const [clientPort, peerPort] = await freePorts(2);
  const paths = {
    module: {
      name: 'paths',
      provides: ['paths'],
      register(ctx: any) {
        ctx.provide('paths', { state: join(dir, 'state') });
      },
    },
  };
  const kernel = await boot(
    { clientUrl: `http://127.0.0.1:${clientPort}`, peerUrl: `http://127.0.0.1:${peerPort}`, readyTimeoutMs: 20_000 },
    [paths as ModuleEntry],
  );
  const store = kernel.services.get('store', 'test');
  await store.put('/m/k', 'v');
  t.is((await store.get('/m/k'))?.value, 'v');
  await kernel.shutdown();
  // etcd is gone after shutdown.
  const probe = new EmbeddedEtcd({ dataDir: join(dir, 'state'), clientUrl: `http://127.0.0.1:${clientPort}` });
  t.false(await probe.health());
});

test('module options are validated with errors naming the option', async (t) => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{}, /store\.dataDir: no etcd data dir/],
    [{ endpoints: [] }, /store\.endpoints: give a non-empty list/],
    [{ endpoints: ['127.0.0.1:2379'] }, /store\.endpoints: "127\.0\.0\.1:2379" is not an http:\/\/host:port or https:\/\/host:port URL/],
    [{ endpoints: ['http://127.0.0.1:2379'], etcdBin: 'etcd' }, /store\.etcdBin: only applies to the embedded etcd/],
    [{ dataDir: '/tmp/x', readyTimeoutMs: -1 }, /store\.readyTimeoutMs/],
    [{ dataDir: '/tmp/x', clientUrl: 'localhost' }, /store\.clientUrl/],
    [{ dataDir: '' }, /store\.dataDir: must be a non-empty string/],
    [{ dataDir: '/tmp/x', endpoint: 'typo' }, /store\.endpoint: unknown option/],
  ];
  for (const [options, message] of cases) {
    const kernel = new Kernel({ log: quiet });
    await t.throwsAsync(() => kernel.boot([{ module: storeModule, options }]), { message }, JSON.stringify(options));
  }
});
