/**
 * Cron schedules, read by croner (a maintained, dependency-
 * free cron library) so validation at the edge and the scheduler agree on
 * one grammar: five fields, `*`, `N`, `A-B`, comma lists, `/step`,
 * day-of-week names, the @-macros, IANA time zones and Vixie cron's rule
 * that a restricted day-of-month and day-of-week match either (OR).
 *
 * We only narrow what croner accepts back to what the reference reads:
 * croner's Quartz extensions (`L`, `W`, `#`, `?`) and month names would
 * make a schedule that other cron implementations reject.
 */
import { createRequire } from 'node:module';
import type { Cron } from 'croner';

/**
 * croner is read on first use: compiling it costs a CLI start ~15 ms, and
 * most applies hold no cronjob. Its CommonJS build, so the read can be
 * synchronous (validation is).
 */
let CronClass: typeof Cron | undefined;
const cronClass = () => (CronClass ??= (createRequire(import.meta.url)('croner') as typeof import('croner')).Cron);

const SHAPE = 'use five fields "minute hour day-of-month month day-of-week" (e.g. "*/15 * * * *") or @hourly, @daily, @weekly, @monthly, @yearly';
const FIELDS: readonly { name: string; range: string }[] = [
  { name: 'minute', range: '0-59' },
  { name: 'hour', range: '0-23' },
  { name: 'day of month', range: '1-31' },
  { name: 'month', range: '1-12' },
  { name: 'day of week', range: '0-7 or sun-sat' },
];
const DAY_NAMES = /sun|mon|tue|wed|thu|fri|sat/gi;
/** What a field may hold once day names are taken out: digits, `*`, `,`, `-`, `/`. */
const PLAIN = /^[0-9*,/-]+$/;

/** A compiled schedule: the first fire strictly after a moment. */
export interface Schedule {
  /** ms since the epoch of the first fire after `afterMs`, or undefined when there is none. */
  next(afterMs: number): number | undefined;
}

function compile(expr: string, timezone?: string): Cron {
  // `paused`: croner would otherwise start its own timer; we only ask it for dates.
  return new (cronClass())(expr, { paused: true, mode: '5-part', domAndDow: false, timezone: timezone || 'UTC' });
}

const libMessage = (err: unknown) => (err instanceof Error ? err.message : String(err)).replace(/^Cron\w*:\s*/, '').replace(/\.$/, '');

export function scheduleProblem(schedule: string): string | undefined {
  const s = schedule.trim();
  if (s.startsWith('@')) {
    if (s === '@reboot') return `${JSON.stringify(schedule)}: @reboot has no time to fire at; ${SHAPE}`;
    try {
      compile(s);
      return undefined;
    } catch {
      return `${JSON.stringify(schedule)} is not a cron schedule; ${SHAPE}`;
    }
  }
  const fields = s.split(/\s+/);
  if (fields.length !== 5) return `${JSON.stringify(schedule)} is not a cron schedule; ${SHAPE}`;
  // Ask croner about each field alone (the others `*`), so the message can name the field at fault.
  for (let i = 0; i < 5; i++) {
    const field = fields[i]!;
    const { name, range } = FIELDS[i]!;
    const bad = (why?: string) => `${JSON.stringify(schedule)}: ${name} field ${JSON.stringify(field)} is not valid (${range})${why ? `: ${why}` : ''}; ${SHAPE}`;
    if (!PLAIN.test(i === 4 ? field.replace(DAY_NAMES, '0') : field)) return bad();
    try {
      compile(fields.map((f, j) => (j === i ? f : '*')).join(' '));
    } catch (err) {
      return bad(libMessage(err));
    }
  }
  try {
    compile(s);
  } catch (err) {
    return `${JSON.stringify(schedule)} is not a cron schedule (${libMessage(err)}); ${SHAPE}`;
  }
  return undefined;
}

export function timezoneProblem(tz: string): string | undefined {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return undefined;
  } catch {
    return `${JSON.stringify(tz)} is not a time zone; use an IANA name such as "UTC" or "America/Sao_Paulo"`;
  }
}

/** Compiles a schedule that passed `scheduleProblem` (throws with the problem otherwise); time zone default UTC. */
export function parseSchedule(schedule: string, timezone?: string): Schedule {
  const problem = scheduleProblem(schedule) ?? (timezone ? timezoneProblem(timezone) : undefined);
  if (problem) throw new Error(problem);
  const cron = compile(schedule.trim(), timezone);
  return {
    next(afterMs) {
      // croner moves to the next whole second before matching, so a fire exactly at `afterMs` is not repeated.
      return cron.nextRun(new Date(afterMs))?.getTime();
    },
  };
}
