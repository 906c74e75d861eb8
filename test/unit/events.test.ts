import test from 'ava';
import { appendEvent, changedLines, parseLog } from '../../modules/events/compact.js';
import { eventTarget } from '../../modules/events/cli.js';
import type { ResourceEvent } from '../../modules/events/contract.js';

const who = { resource: 'deployment/demo/web', kind: 'deployment', scope: 'demo', name: 'web' };
const died = (object: string) => ({ type: 'warning' as const, reason: 'Died', message: 'exited with code 1', object });

test('a repeat bumps the count of its one line, keeps its first time and moves it last', (t) => {
  let log: ResourceEvent[] = [];
  log = appendEvent(log, who, died('demo-web.a1'), '2026-12-02T10:00:00.000Z');
  log = appendEvent(log, who, { type: 'normal', reason: 'Repaired', message: 'replica found stopped; replacing it', object: 'demo-web.a1' }, '2026-12-02T10:00:01.000Z');
  log = appendEvent(log, who, died('demo-web.b2'), '2026-12-02T10:00:05.000Z');
  t.is(log.length, 2);
  t.deepEqual(log.map((e) => e.reason), ['Repaired', 'Died']);
  const last = log.at(-1)!;
  t.is(last.count, 2);
  t.is(last.first_at, '2026-12-02T10:00:00.000Z');
  t.is(last.last_at, '2026-12-02T10:00:05.000Z');
  t.is(last.object, 'demo-web.b2', 'the line names the latest pod');
});

test('a different message or type is a line of its own, and the log keeps only its newest lines', (t) => {
  let log: ResourceEvent[] = [];
  for (let i = 0; i < 60; i++) log = appendEvent(log, who, { type: 'normal', reason: 'Rolled', message: `rolled ${i}` }, `2026-12-02T10:00:${String(i % 60).padStart(2, '0')}.000Z`);
  t.is(log.length, 50);
  t.is(log[0]!.message, 'rolled 10');
  log = appendEvent(log, who, { type: 'warning', reason: 'Rolled', message: 'rolled 59' }, '2026-12-02T11:00:00.000Z');
  t.is(log.filter((e) => e.message === 'rolled 59').length, 2);
});

test('changedLines finds what a watch update added or repeated', (t) => {
  const a = appendEvent([], who, died('x'), '2026-12-02T10:00:00.000Z');
  const b = appendEvent(a, who, died('y'), '2026-12-02T10:00:02.000Z');
  const c = appendEvent(b, who, { type: 'normal', reason: 'Created', message: 'replica created', object: 'z' }, '2026-12-02T10:00:03.000Z');
  t.deepEqual(changedLines(a, b).map((e) => [e.reason, e.count]), [['Died', 2]]);
  t.deepEqual(changedLines(b, c).map((e) => e.reason), ['Created']);
  t.deepEqual(changedLines(c, c), []);
});

test('a stored log that is not a list of events reads as empty', (t) => {
  t.deepEqual(parseLog(undefined), []);
  t.deepEqual(parseLog('not json'), []);
  t.deepEqual(parseLog('{"a":1}'), []);
  t.is(parseLog(JSON.stringify(appendEvent([], who, died('x'), '2026-12-02T10:00:00.000Z'))).length, 1);
});

test('voodu events takes a scope, a scope/name or a kind/scope/name', (t) => {
  t.deepEqual(eventTarget(undefined, undefined), {});
  t.deepEqual(eventTarget('demo', undefined), { scope: 'demo' });
  t.deepEqual(eventTarget('demo/web', 'statefulset'), { kind: 'statefulset', scope: 'demo', name: 'web' });
  t.deepEqual(eventTarget('deployment/demo/web', undefined), { kind: 'deployment', scope: 'demo', name: 'web' });
  t.throws(() => eventTarget('a//b', undefined), { message: /not an event target; use <scope>, <scope>\/<name> or <kind>\/<scope>\/<name>/ });
  t.throws(() => eventTarget('deployment/demo/web', 'job'), { message: /--kind job contradicts/ });
});
