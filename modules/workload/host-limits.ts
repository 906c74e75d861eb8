/**
 * The default ulimits (nofile 65536, nproc 4096) are more than some
 * hosts allow; the engine then refuses to start the container at all
 * ("error setting rlimit … operation not permitted"). Defaults are a
 * convenience, so they are clamped to this host's hard limits; an
 * operator's own `ulimits` are passed as written.
 */
import { readFileSync } from 'node:fs';

const WANTED: Record<string, { soft: number; hard: number; row: string }> = {
  nofile: { soft: 65536, hard: 65536, row: 'Max open files' },
  nproc: { soft: 4096, hard: 4096, row: 'Max processes' },
};

let cached: Record<string, string> | undefined;

export function defaultUlimits(): Record<string, string> {
  cached ??= compute(readLimits());
  return cached;
}

export function compute(limitsText: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, want] of Object.entries(WANTED)) {
    const hard = hardLimit(limitsText, want.row);
    const cap = hard === undefined ? Infinity : hard;
    out[name] = `${Math.min(want.soft, cap)}:${Math.min(want.hard, cap)}`;
  }
  return out;
}

function hardLimit(text: string | undefined, row: string): number | undefined {
  const line = text?.split('\n').find((l) => l.startsWith(row));
  // `Max open files            20000                20000                files`
  const hard = line?.slice(row.length).trim().split(/\s+/)[1];
  if (!hard || hard === 'unlimited') return undefined;
  const n = Number(hard);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

function readLimits(): string | undefined {
  try {
    return readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return undefined; // not Linux: ask for the reference's defaults
  }
}
