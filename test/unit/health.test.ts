/** The dependency checks behind `/health`: ok, failing with the reason, given up on at the deadline, `since` kept while nothing changes. */
import test from 'ava';
import { DependencyHealth } from '../../modules/api/health.js';

test('all ok; one failing names itself and why; a hung check fails at the deadline', async (t) => {
  const h = new DependencyHealth({ timeoutMs: 100, reuseMs: 0 });
  let etcdUp = true;
  h.add('etcd', async () => {
    if (!etcdUp) throw new Error('connection refused');
  });
  h.add('docker', async () => undefined);
  const ok = await h.report();
  t.true(ok.ok);
  t.true(ok.dependencies.etcd!.ok);

  etcdUp = false;
  const bad = await h.report();
  t.false(bad.ok);
  t.like(bad.dependencies.etcd, { ok: false, error: 'connection refused' });
  t.true(bad.dependencies.docker!.ok);
  const since = bad.dependencies.etcd!.since;
  await new Promise((r) => setTimeout(r, 5));
  t.is((await h.report()).dependencies.etcd!.since, since, 'since moved while the state did not change');

  h.add('slow', () => new Promise(() => undefined));
  const started = Date.now();
  const hung = await h.report();
  t.true(Date.now() - started < 1000);
  t.like(hung.dependencies.slow, { ok: false, error: 'no answer within 0.1 s' });

  etcdUp = true;
  const back = await h.report();
  t.true(back.dependencies.etcd!.ok);
  t.not(back.dependencies.etcd!.since, since, 'recovery is a change of state');
});

test('answers are reused for a moment: a hard-polling load balancer costs one round of checks', async (t) => {
  const h = new DependencyHealth({ reuseMs: 10_000 });
  let calls = 0;
  h.add('etcd', async () => {
    calls++;
  });
  await Promise.all(Array.from({ length: 20 }, () => h.report()));
  t.is(calls, 1);
});
