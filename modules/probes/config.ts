/** A manifest probe with its runtime defaults applied (0 / invalid → default; docs/kinds.md, `probes`). */
import { parseDurationMs } from '../../lib/manifest/durations.js';
import type { ProbeSpec, ProbesSpec } from '../../lib/manifest/types.js';

export type ProbeType = 'liveness' | 'readiness' | 'startup';
export const PROBE_TYPES: ProbeType[] = ['liveness', 'readiness', 'startup'];

export interface ProbeConfig {
  type: ProbeType;
  action: Pick<ProbeSpec, 'http_get' | 'tcp_socket' | 'exec'>;
  initialDelayMs: number;
  periodMs: number;
  timeoutMs: number;
  failureThreshold: number;
  successThreshold: number;
}

function duration(text: unknown, fallback: number, allowZero: boolean): number {
  if (typeof text !== 'string') return fallback;
  const ms = parseDurationMs(text);
  if (ms === undefined || ms < 0 || (!allowZero && ms === 0)) return fallback;
  return ms;
}

const count = (n: unknown, fallback: number) => (typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : fallback);

export function probeConfig(type: ProbeType, p: ProbeSpec): ProbeConfig | undefined {
  if (!p || typeof p !== 'object' || !(p.http_get || p.tcp_socket || p.exec)) return undefined;
  return {
    type,
    action: { ...(p.http_get && { http_get: p.http_get }), ...(p.tcp_socket && { tcp_socket: p.tcp_socket }), ...(p.exec && { exec: p.exec }) },
    initialDelayMs: duration(p.initial_delay, 0, true),
    periodMs: duration(p.period, 10_000, false),
    timeoutMs: duration(p.timeout, 1_000, false),
    failureThreshold: count(p.failure_threshold, 3),
    successThreshold: count(p.success_threshold, 1),
  };
}

/** The declared probes of a `probes` block (anything malformed is skipped: /apply already validated it). */
export function probeConfigs(probes: unknown): ProbeConfig[] {
  if (!probes || typeof probes !== 'object') return [];
  const out: ProbeConfig[] = [];
  for (const type of PROBE_TYPES) {
    const c = probeConfig(type, (probes as ProbesSpec)[type] as ProbeSpec);
    if (c) out.push(c);
  }
  return out;
}
