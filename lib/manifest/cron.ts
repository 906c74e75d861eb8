/**
 * Cron schedules as the reference's scheduler reads them (core.md §5.4):
 * five fields, `*`, `N`, `A-B`, comma lists, `/step`, day-of-week names,
 * and the @-macros. The reference finds a bad schedule only when the
 * cronjob reconciles; we find it at the edge.
 */
const MACROS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);
const FIELDS: readonly { name: string; min: number; max: number }[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day of week', min: 0, max: 7 },
];
const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const ITEM = /^(\*|\d+)(?:-(\d+))?(?:\/(\d+))?$/;

export function scheduleProblem(schedule: string): string | undefined {
  const s = schedule.trim();
  if (MACROS.has(s)) return undefined;
  const fields = s.split(/\s+/);
  const shape = 'use five fields "minute hour day-of-month month day-of-week" (e.g. "*/15 * * * *") or @hourly, @daily, @weekly, @monthly, @yearly';
  if (fields.length !== 5) return `${JSON.stringify(schedule)} is not a cron schedule; ${shape}`;
  for (let i = 0; i < 5; i++) {
    const { name, min, max } = FIELDS[i]!;
    let field = fields[i]!;
    if (i === 4) field = field.replace(/sun|mon|tue|wed|thu|fri|sat/gi, (d) => String(DAY_NAMES.indexOf(d.toLowerCase())));
    for (const item of field.split(',')) {
      const m = ITEM.exec(item);
      const lo = m && m[1] !== '*' ? Number(m[1]) : min;
      const hi = m?.[2] !== undefined ? Number(m[2]) : lo;
      const bad =
        !m ||
        (m[1] === '*' && m[2] !== undefined) ||
        lo < min ||
        hi > max ||
        hi < lo ||
        (m[3] !== undefined && Number(m[3]) < 1);
      if (bad) return `${JSON.stringify(schedule)}: ${name} field ${JSON.stringify(fields[i])} is not valid (${min}-${max}); ${shape}`;
    }
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
