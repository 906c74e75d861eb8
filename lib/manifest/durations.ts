/**
 * Go-style durations ("30s", "1m30s", "500ms"): the form every timeout,
 * period and cooldown in a manifest takes, because the reference parses them
 * with Go's time.ParseDuration. Negative durations mean nothing here.
 */
const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const NUMBER = '(?:\\d+(?:\\.\\d*)?|\\.\\d+)';
const UNITS = '(?:ns|us|µs|μs|ms|s|m|h)';
const WHOLE = new RegExp(`^(?:0|(?:${NUMBER}${UNITS})+)$`);
const PART = new RegExp(`(${NUMBER})(${UNITS})`, 'g');

/** Milliseconds, or undefined when `text` is not a duration. */
export function parseDurationMs(text: string): number | undefined {
  if (!WHOLE.test(text)) return undefined;
  let ms = 0;
  for (const [, n, unit] of text.matchAll(PART)) ms += Number(n) * UNIT_MS[unit!]!;
  return ms;
}

export function durationProblem(text: string): string | undefined {
  return parseDurationMs(text) === undefined
    ? `${JSON.stringify(text)} is not a duration; use a number with a unit: ms, s, m or h (e.g. 30s, 5m, 1h30m)`
    : undefined;
}
