import test from 'ava';
import { parseTimeout } from '../../modules/apply/cli.js';
import { rolloutPhase, type RolloutInput } from '../../modules/rollouts/phase.js';

const T0 = Date.parse('2026-12-02T10:00:00.000Z');
const iso = (ms: number) => new Date(T0 + ms).toISOString();
const pod = (name: string, createdMs: number, state = 'running') => ({ name, state, role: 'deployment', created_at: iso(createdMs), started_at: iso(createdMs + 100), frozen: false, orphan: false });

const base = (over: Partial<RolloutInput> = {}): RolloutInput => ({
  resource: 'deployment/demo/web',
  kind: 'deployment',
  spec: { replicas: 2 },
  revision: 10,
  since: iso(0),
  status: { observed_revision: 10, last_reconcile_error: '' },
  pods: [pod('demo-web.a', 500), pod('demo-web.b', 600)],
  events: [],
  now: T0 + 10_000,
  graceMs: 3000,
  ...over,
});

test('converged once the reconcile of the revision succeeded and every replica runs and is ready', (t) => {
  const s = rolloutPhase(base());
  t.is(s.phase, 'converged');
  t.like(s, { desired: 2, running: 2, ready: 2, old: 0 });
});

test('progressing while the controller has not reconciled the revision, or replicas are missing or not ready yet', (t) => {
  t.is(rolloutPhase(base({ status: { observed_revision: 9 } })).phase, 'progressing');
  t.regex(rolloutPhase(base({ pods: [pod('demo-web.a', 500)] })).message, /starting replicas: 1\/2 running/);
  const young = rolloutPhase(base({ now: T0 + 2000 }));
  t.is(young.phase, 'progressing', 'ready before the grace period');
  t.is(young.ready, 0);
  const probed = rolloutPhase(base({ spec: { replicas: 2, probes: { readiness: {} } }, status: { observed_revision: 10, replica_readiness: { 'demo-web.a': { ready: true } } } }));
  t.is(probed.ready, 1, 'a probed replica is ready only when its probe says so');
  const old = rolloutPhase(base({ pods: [pod('demo-web.a', 500), pod('demo-web.b', 600), pod('demo-web.old', -60_000)] }));
  t.is(old.phase, 'progressing');
  t.is(old.old, 1);
});

test('failed when a replica created for this apply died, but not for an old one', (t) => {
  const died = { type: 'warning', reason: 'Died', message: 'exited with code 3', object: 'demo-web.a', last_at: iso(800) };
  const s = rolloutPhase(base({ events: [died] }));
  t.is(s.phase, 'failed');
  t.regex(s.message, /replica demo-web\.a exited with code 3 right after it started/);
  const oldDeath = rolloutPhase(base({ pods: [pod('demo-web.a', -60_000), pod('demo-web.b', 600)], events: [died] }));
  t.not(oldDeath.phase, 'failed');
  const before = rolloutPhase(base({ events: [{ ...died, last_at: iso(-30_000) }] }));
  t.is(before.phase, 'converged', 'a death before the apply is not this rollout\'s');
});

test('a transient error fails the wait after two retries; one that is not retried fails it at once', (t) => {
  const error = 'image "x" is not present locally and the pull failed: not found';
  const first = rolloutPhase(base({ status: { observed_revision: 10, last_reconcile_error: error, reconcile_attempt: 1, retrying_at: iso(2000) } }));
  t.is(first.phase, 'progressing');
  t.regex(first.message, /attempt 1 failed, retrying/);
  const third = rolloutPhase(base({ status: { observed_revision: 10, last_reconcile_error: error, reconcile_attempt: 3, retrying_at: iso(8000) } }));
  t.is(third.phase, 'failed');
  t.regex(third.message, /still failing after 3 attempts; the controller keeps retrying/);
  const terminal = rolloutPhase(base({ status: { observed_revision: 10, last_reconcile_error: 'rollout stopped: pod never ready', reconcile_attempt: 1 } }));
  t.is(terminal.phase, 'failed');
  t.is(terminal.message, 'rollout stopped: pod never ready');
});

test('frozen replicas are neither waited on nor counted', (t) => {
  const frozen = { ...pod('demo-web.f', -60_000, 'exited'), frozen: true };
  const s = rolloutPhase(base({ spec: { replicas: 3 }, pods: [pod('demo-web.a', 500), pod('demo-web.b', 600), frozen] }));
  t.is(s.phase, 'converged');
  t.is(s.desired, 2);
});

test('a statefulset gets a readiness deadline per pod', (t) => {
  t.is(rolloutPhase(base({ kind: 'statefulset', spec: { replicas: 3 }, pods: [] })).deadline_s, 420);
  t.is(rolloutPhase(base()).deadline_s, 180);
});

test('--timeout takes seconds or a duration, and names itself when wrong', (t) => {
  t.is(parseTimeout(undefined), undefined);
  t.is(parseTimeout('90'), 90_000);
  t.is(parseTimeout('90s'), 90_000);
  t.is(parseTimeout('5m'), 300_000);
  t.is(parseTimeout('1h'), 3_600_000);
  t.throws(() => parseTimeout('soon'), { message: /--timeout: "soon" is not a duration/ });
  t.throws(() => parseTimeout('0'), { message: /--timeout/ });
});
