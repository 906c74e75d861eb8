import test from 'ava';
import type { JobRun } from '../../modules/job/contract.js';
import { capHistory, lastRunOf, limitsOf, upsertRun } from '../../modules/job/history.js';

const r = (run_id: string, status: JobRun['status'], ended_at?: string): JobRun => ({ run_id, started_at: `s-${run_id}`, status, ...(ended_at ? { ended_at } : {}) });

test('limits default to 3 succeeded / 1 failed; zero or negative means the default', (t) => {
  t.deepEqual(limitsOf({}), { succeeded: 3, failed: 1 });
  t.deepEqual(limitsOf({ successful_history_limit: 0, failed_history_limit: -2 }), { succeeded: 3, failed: 1 });
  t.deepEqual(limitsOf({ successful_history_limit: 5, failed_history_limit: 2 }), { succeeded: 5, failed: 2 });
});

test('cap keeps the newest runs per outcome and every running one, in order', (t) => {
  const h = [r('a', 'running'), r('b', 'succeeded'), r('c', 'failed'), r('d', 'succeeded'), r('e', 'failed'), r('f', 'succeeded'), r('g', 'running')];
  t.deepEqual(capHistory(h, { succeeded: 2, failed: 1 }).map((x) => x.run_id), ['a', 'b', 'c', 'd', 'g']);
});

test('upsert replaces in place or prepends; last_run is the newest end, else its start', (t) => {
  const h = upsertRun([r('b', 'succeeded', 'e-b')], r('a', 'running'));
  t.deepEqual(h.map((x) => x.run_id), ['a', 'b']);
  t.is(lastRunOf(h), 's-a');
  const done = upsertRun(h, r('a', 'failed', 'e-a'));
  t.deepEqual(done.map((x) => `${x.run_id}:${x.status}`), ['a:failed', 'b:succeeded']);
  t.is(lastRunOf(done), 'e-a');
  t.is(lastRunOf([]), undefined);
});
