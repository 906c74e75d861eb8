/**
 * One target's delivery with retries: up to
 * `retryDelaysMs.length + 1` attempts, each bounded by `attemptTimeoutMs`,
 * the whole bounded by `budgetMs` and by `signal` (the module stopping).
 * Node's fetch: no dependency, and AbortSignal.any composes the three
 * bounds; got's own retry would hide the attempts we count and log.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { BuiltRequest } from './request.js';

export interface DeliveryTimings {
  attemptTimeoutMs: number;
  retryDelaysMs: number[];
  budgetMs: number;
}

export class DeliveryFailed extends Error {
  constructor(
    message: string,
    readonly attempts: number,
  ) {
    super(message);
  }
}

/** Resolves with the attempt that got a 2xx; rejects with DeliveryFailed carrying the last reason. */
export async function deliver(req: BuiltRequest, body: string, t: DeliveryTimings, signal: AbortSignal): Promise<number> {
  const overall = AbortSignal.any([signal, AbortSignal.timeout(t.budgetMs)]);
  const attempts = t.retryDelaysMs.length + 1;
  let last = 'not attempted';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (overall.aborted) throw new DeliveryFailed(`${stopReason(signal, t)} before attempt ${attempt}; last: ${last}`, attempt - 1);
    try {
      const res = await fetch(req.url, {
        method: req.method,
        headers: req.headers,
        body,
        redirect: 'follow',
        signal: AbortSignal.any([overall, AbortSignal.timeout(t.attemptTimeoutMs)]),
      });
      await res.body?.cancel().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) return attempt;
      last = `HTTP ${res.status}`;
    } catch (err) {
      if (overall.aborted) throw new DeliveryFailed(`${stopReason(signal, t)} during attempt ${attempt}; last: ${last}`, attempt);
      last = reasonOf(err, req.url, t.attemptTimeoutMs);
    }
    if (attempt < attempts) {
      try {
        await sleep(t.retryDelaysMs[attempt - 1]!, undefined, { signal: overall });
      } catch {
        throw new DeliveryFailed(`${stopReason(signal, t)} after attempt ${attempt}: ${last}`, attempt);
      }
    }
  }
  throw new DeliveryFailed(`${attempts} attempt(s), last: ${last}`, attempts);
}

function stopReason(signal: AbortSignal, t: DeliveryTimings): string {
  return signal.aborted ? 'controller stopping' : `budget of ${t.budgetMs / 1000} s spent`;
}

/** A network error's cause, never the URL (its path may be the secret). */
function reasonOf(err: unknown, url: string, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return `no answer within ${timeoutMs / 1000} s`;
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : err instanceof Error ? err.message : String(err);
  return cause.split(url).join('<url>');
}
