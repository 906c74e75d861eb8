/**
 * Cron schedules read through croner: what the edge accepts
 * and refuses, the fire times (macros, day names, Vixie dom/dow OR, IANA
 * time zones), and the scheduler's pass logic on a synthetic clock.
 */
import test from 'ava';
import { createLogger } from '../../kernel/index.js';
import { type ResourceRef } from '../../lib/identity.js';
import { parseSchedule, scheduleProblem, timezoneProblem } from '../../lib/manifest/cron.js';
import { CronScheduler, type CronEntry } from '../../modules/cronjob/scheduler.js';

const at = (s: string) => Date.parse(s);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const nextOf = (schedule: string, after: string, tz?: string) => iso(parseSchedule(schedule, tz).next(at(after)));

/** The first `n` fires after `after`. */
function fires(schedule: string, after: string, n: number, tz?: string): string[] {
  const s = parseSchedule(schedule, tz);
  const out: string[] = [];
  let t = at(after);
  for (let i = 0; i < n; i++) {
    t = s.next(t)!;
    out.push(new Date(t).toISOString());
  }
  return out;
}

test('accepted: five fields, ranges, lists, steps, day names (any case), 7 = Sunday, every macro', (t) => {
  for (const s of ['* * * * *', '*/15 * * * *', '0 0 1,15 * *', '5-10/2 8-18 * 1-12 0-7', '0 3 * * mon-fri', '0 0 * * Sun,SAT', '0 0 * * 7', '  0 3 * * *  ']) {
    t.is(scheduleProblem(s), undefined, s);
  }
  for (const s of ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']) t.is(scheduleProblem(s), undefined, s);
});

test('refused with the field named: wrong shape, out of range, zero step, Quartz extensions, month names, @reboot', (t) => {
  t.regex(scheduleProblem('* * *')!, /^"\* \* \*" is not a cron schedule; use five fields/);
  t.regex(scheduleProblem('* * * * * *')!, /is not a cron schedule; use five fields/);
  t.regex(scheduleProblem('61 * * * *')!, /minute field "61" is not valid \(0-59\)/);
  t.regex(scheduleProblem('0 24 * * *')!, /hour field "24" is not valid \(0-23\)/);
  t.regex(scheduleProblem('0 0 32 * *')!, /day of month field "32" is not valid \(1-31\)/);
  t.regex(scheduleProblem('0 0 1 13 *')!, /month field "13" is not valid \(1-12\)/);
  t.regex(scheduleProblem('0 0 1 jan *')!, /month field "jan" is not valid/);
  t.regex(scheduleProblem('0 0 * * 8')!, /day of week field "8" is not valid/);
  t.regex(scheduleProblem('*/0 * * * *')!, /minute field "\*\/0" is not valid/);
  t.regex(scheduleProblem('0 0 L * *')!, /day of month field "L" is not valid/);
  t.regex(scheduleProblem('0 0 * * fri#2')!, /day of week field "fri#2" is not valid/);
  t.regex(scheduleProblem('0 0 ? * *')!, /day of month field "\?" is not valid/);
  t.regex(scheduleProblem('@reboot')!, /@reboot has no time to fire at/);
  t.regex(scheduleProblem('@often')!, /is not a cron schedule/);
  t.throws(() => parseSchedule('61 * * * *'), { message: /minute field/ });
  t.is(timezoneProblem('America/Sao_Paulo'), undefined);
  t.regex(timezoneProblem('Mars/Olympus')!, /is not a time zone; use an IANA name/);
  t.throws(() => parseSchedule('* * * * *', 'Mars/Olympus'), { message: /not a time zone/ });
});

test('next fire is strictly after the given moment, to the minute', (t) => {
  t.is(nextOf('* * * * *', '2030-01-01T00:00:59.999Z'), '2030-01-01T00:01:00.000Z');
  t.is(nextOf('* * * * *', '2030-01-01T00:01:00.000Z'), '2030-01-01T00:02:00.000Z', 'a fire at exactly `after` is not repeated');
  t.deepEqual(fires('*/15 * * * *', '2030-01-01T00:00:00Z', 3), ['2030-01-01T00:15:00.000Z', '2030-01-01T00:30:00.000Z', '2030-01-01T00:45:00.000Z']);
});

test('macros fire where crontab puts them', (t) => {
  const from = '2030-01-01T10:30:00Z'; // a Tuesday
  t.is(nextOf('@hourly', from), '2030-01-01T11:00:00.000Z');
  t.is(nextOf('@daily', from), '2030-01-02T00:00:00.000Z');
  t.is(nextOf('@midnight', from), '2030-01-02T00:00:00.000Z');
  t.is(nextOf('@weekly', from), '2030-01-06T00:00:00.000Z', 'Sunday 00:00');
  t.is(nextOf('@monthly', from), '2030-02-01T00:00:00.000Z');
  t.is(nextOf('@yearly', from), '2031-01-01T00:00:00.000Z');
  t.is(nextOf('@annually', from), '2031-01-01T00:00:00.000Z');
});

test('day names and 7 for Sunday', (t) => {
  t.deepEqual(fires('0 9 * * mon-fri', '2030-01-04T10:00:00Z', 2), ['2030-01-07T09:00:00.000Z', '2030-01-08T09:00:00.000Z'], 'Friday after 9 → Monday, Tuesday');
  t.is(nextOf('0 0 * * 7', '2030-01-01T00:00:00Z'), '2030-01-06T00:00:00.000Z');
  t.is(nextOf('0 0 * * SUN', '2030-01-01T00:00:00Z'), '2030-01-06T00:00:00.000Z');
});

test('Vixie cron: day-of-month and day-of-week both restricted match either (OR); one `*` lets the other decide', (t) => {
  // January 2030: the 13th is a Sunday; Fridays are the 4th, 11th, 18th, 25th.
  t.deepEqual(fires('0 0 13 * fri', '2030-01-01T00:00:00Z', 4), [
    '2030-01-04T00:00:00.000Z',
    '2030-01-11T00:00:00.000Z',
    '2030-01-13T00:00:00.000Z',
    '2030-01-18T00:00:00.000Z',
  ]);
  t.deepEqual(fires('0 0 13 * *', '2030-01-01T00:00:00Z', 2), ['2030-01-13T00:00:00.000Z', '2030-02-13T00:00:00.000Z']);
  t.deepEqual(fires('0 0 * * fri', '2030-01-01T00:00:00Z', 2), ['2030-01-04T00:00:00.000Z', '2030-01-11T00:00:00.000Z']);
});

test('time zones: 09:00 in São Paulo is 12:00 UTC; New York follows daylight saving; default UTC', (t) => {
  t.is(nextOf('0 9 * * *', '2030-01-01T00:00:00Z', 'America/Sao_Paulo'), '2030-01-01T12:00:00.000Z');
  t.is(nextOf('0 9 * * *', '2030-01-01T12:00:00Z', 'America/Sao_Paulo'), '2030-01-02T12:00:00.000Z');
  t.is(nextOf('0 9 * * *', '2030-01-15T00:00:00Z', 'America/New_York'), '2030-01-15T14:00:00.000Z', 'EST, UTC-5');
  t.is(nextOf('0 9 * * *', '2030-07-15T00:00:00Z', 'America/New_York'), '2030-07-15T13:00:00.000Z', 'EDT, UTC-4');
  t.is(nextOf('0 9 * * *', '2030-01-01T00:00:00Z'), '2030-01-01T09:00:00.000Z');
  t.is(nextOf('0 9 * * *', '2030-01-01T00:00:00Z', 'UTC'), '2030-01-01T09:00:00.000Z');
});

// The scheduler's pass, on a synthetic clock.

const ref = (name: string): ResourceRef => ({ kind: 'cronjob', scope: 's', name });
const entry = (name: string, schedule: string, extra: Partial<CronEntry> = {}): CronEntry => ({ ref: ref(name), schedule, timezone: '', suspend: false, ...extra });

function newScheduler() {
  const lines: string[] = [];
  const nextRuns: { name: string; next: string | undefined }[] = [];
  const s = new CronScheduler(createLogger({ level: 'debug', sink: (l) => lines.push(l) }), (r, next) => nextRuns.push({ name: r.name, next: iso(next) }));
  return { s, lines, nextRuns };
}

test('scheduler: a new entry is seeded from now and does not fire on that pass; it fires on the first pass at or after the fire time', (t) => {
  const { s, nextRuns } = newScheduler();
  const e = [entry('a', '* * * * *')];
  t.deepEqual(s.pass(at('2030-01-01T00:00:00Z'), e), [], 'even exactly on a minute, the first pass only seeds');
  t.deepEqual(nextRuns, [{ name: 'a', next: '2030-01-01T00:01:00.000Z' }]);
  t.deepEqual(s.pass(at('2030-01-01T00:00:59Z'), e), []);
  const due = s.pass(at('2030-01-01T00:01:00Z'), e);
  t.deepEqual(due.map((d) => [d.ref.name, iso(d.due)]), [['a', '2030-01-01T00:01:00.000Z']]);
  t.is(iso(s.nextFire(ref('a'))), '2030-01-01T00:02:00.000Z', 'next fire advanced before the run is dispatched');
  t.deepEqual(s.pass(at('2030-01-01T00:01:01Z'), e), [], 'fires once per due time');
  // A late tick still fires, once.
  t.is(s.pass(at('2030-01-01T00:02:07Z'), e).length, 1);
  t.is(iso(s.nextFire(ref('a'))), '2030-01-01T00:03:00.000Z');
});

test('scheduler: missed fires collapse into one and the next fire is computed from now', (t) => {
  const { s } = newScheduler();
  const e = [entry('a', '* * * * *')];
  s.pass(at('2030-01-01T00:00:30Z'), e);
  t.is(s.pass(at('2030-01-01T01:00:30Z'), e).length, 1, 'an hour of missed minutes fires once');
  t.is(iso(s.nextFire(ref('a'))), '2030-01-01T01:01:00.000Z');
});

test('scheduler: a changed schedule or time zone re-seeds without firing; suspended and removed entries lose their state', (t) => {
  const { s, nextRuns } = newScheduler();
  s.pass(at('2030-01-01T00:00:30Z'), [entry('a', '* * * * *')]);
  t.deepEqual(s.pass(at('2030-01-01T00:05:00Z'), [entry('a', '*/10 * * * *')]), [], 'the old schedule was due, but the new one only seeds');
  t.is(iso(s.nextFire(ref('a'))), '2030-01-01T00:10:00.000Z');
  t.deepEqual(s.pass(at('2030-01-01T00:10:00Z'), [entry('a', '*/10 * * * *', { timezone: 'Asia/Kolkata' })]), [], 'time zone change re-seeds');
  t.is(iso(s.nextFire(ref('a'))), '2030-01-01T00:20:00.000Z');
  t.is(nextRuns.length, 3);

  t.deepEqual(s.pass(at('2030-01-01T00:30:00Z'), [entry('a', '*/10 * * * *', { timezone: 'Asia/Kolkata', suspend: true })]), []);
  t.is(s.nextFire(ref('a')), undefined);
  t.deepEqual(s.pass(at('2030-01-01T00:40:00Z'), [entry('a', '*/10 * * * *', { timezone: 'Asia/Kolkata' })]), [], 'resumed: seeded again, missed fires are not made up');
  t.is(iso(s.nextFire(ref('a'))), '2030-01-01T00:50:00.000Z');

  s.pass(at('2030-01-01T00:41:00Z'), []);
  t.is(s.nextFire(ref('a')), undefined, 'removed');
});

test('scheduler: an unusable schedule is skipped and logged once; the others still fire', (t) => {
  const { s, lines } = newScheduler();
  const e = [entry('bad', '61 * * * *'), entry('good', '* * * * *')];
  s.pass(at('2030-01-01T00:00:30Z'), e);
  const due = s.pass(at('2030-01-01T00:01:00Z'), e);
  t.deepEqual(due.map((d) => d.ref.name), ['good']);
  t.is(lines.filter((l) => l.includes('cronjob/s/bad: not scheduled')).length, 1);
});

test('after a restart, a stored fire that came due while no controller ran fires once; one older than the window does not', (t) => {
  const lines: string[] = [];
  const s = new CronScheduler(createLogger({ level: 'debug', sink: (l) => lines.push(l) }), undefined, 3_600_000);
  const now = at('2030-01-01T10:05:30Z');
  const due = s.pass(now, [
    entry('missed', '*/10 * * * *', { persistedNext: at('2030-01-01T10:00:00Z') }),
    entry('ancient', '0 * * * *', { persistedNext: at('2030-01-01T08:00:00Z') }),
    entry('future', '*/10 * * * *', { persistedNext: at('2030-01-01T10:10:00Z') }),
    entry('fresh', '*/10 * * * *'),
  ]);
  t.deepEqual(due.map((d) => [d.ref.name, iso(d.due)]), [['missed', '2030-01-01T10:00:00.000Z']]);
  t.regex(lines.join('\n'), /cronjob\/s\/missed: the fire due 2030-01-01T10:00:00.000Z was missed while no controller ran/);
  // It fires once: the next pass goes by the schedule again.
  t.deepEqual(s.pass(now + 1000, [entry('missed', '*/10 * * * *', { persistedNext: at('2030-01-01T10:00:00Z') })]), []);
  t.is(iso(s.nextFire(ref('missed'))), '2030-01-01T10:10:00.000Z');
});
