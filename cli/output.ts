/** Output helpers shared by verbs: JSON for scripts, aligned tables for people. */
import type { OutputFormat } from './verb.js';

export function parseOutput(value: unknown, fallback: OutputFormat = 'text'): OutputFormat {
  if (value === undefined || value === true) return fallback;
  if (value === 'json' || value === 'text') return value;
  throw new Error(`-o/--output: "${String(value)}" is not a format; use text or json`);
}

export function printJson(out: NodeJS.WritableStream, value: unknown): void {
  out.write(JSON.stringify(value, null, 2) + '\n');
}

export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}

/** `850ms`, `2.4s`, `3m05s`; `unknown` for a negative or missing span. */
export function formatDuration(ms: number, unknown = '?'): string {
  if (!Number.isFinite(ms) || ms < 0) return unknown;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}
