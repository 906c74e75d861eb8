/**
 * What a webhook says: the default JSON payload, the
 * `{{token}}` values a custom body may use, and the probe transition id.
 * Field names and order are the reference's wire contract.
 */
import { createHash } from 'node:crypto';
import type { DeployEvent, ProbeEvent } from './contract.js';

export interface Payload {
  kind: string;
  scope: string;
  name: string;
  release_id?: string;
  image?: string;
  /** `success` / `failure` for on_deploy; always present, `""` for probe events. */
  status: string;
  started_at?: string;
  completed_at?: string;
  error?: string;
  pod?: string;
  probe?: string;
  transition?: string;
  transition_id?: string;
  reason?: string;
  timestamp?: string;
}

export const TOKENS = [
  'kind',
  'scope',
  'name',
  'release_id',
  'image',
  'status',
  'error',
  'started_at',
  'completed_at',
  'pod',
  'probe',
  'transition',
  'transition_id',
  'reason',
  'timestamp',
] as const;

/** RFC 3339 in UTC to the second, as Go's time.RFC3339 writes it; undefined for anything unparseable. */
export function rfc3339(at: string | number | undefined): string | undefined {
  if (at === undefined || at === '') return undefined;
  const ms = typeof at === 'number' ? at : Date.parse(at);
  if (!Number.isFinite(ms)) return undefined;
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** First 12 hex of sha256(`scope|name|pod|probe|transition|unix-seconds`): one id per edge per second. */
export function transitionId(e: Pick<ProbeEvent, 'ref' | 'pod' | 'probe' | 'transition' | 'at'>): string {
  const seconds = Math.floor(e.at / 1000);
  return createHash('sha256').update(`${e.ref.scope}|${e.ref.name}|${e.pod}|${e.probe}|${e.transition}|${seconds}`).digest('hex').slice(0, 12);
}

/** Keeps the keys whose value is set: the reference marshals every field but kind/scope/name/status omitempty. */
function compact(p: Payload): Payload {
  const out = {} as Record<string, unknown>;
  for (const [k, v] of Object.entries(p)) if (v !== undefined && (v !== '' || k === 'status' || k === 'kind' || k === 'scope' || k === 'name')) out[k] = v;
  return out as unknown as Payload;
}

export function deployPayload(e: DeployEvent): Payload {
  return compact({
    kind: e.ref.kind,
    scope: e.ref.scope,
    name: e.ref.name,
    release_id: e.release_id,
    image: e.image,
    status: e.slot,
    started_at: rfc3339(e.started_at),
    completed_at: rfc3339(e.completed_at),
    error: e.error,
  });
}

export function probePayload(e: ProbeEvent): Payload {
  return compact({
    kind: e.ref.kind,
    scope: e.ref.scope,
    name: e.ref.name,
    status: '',
    pod: e.pod,
    probe: e.probe,
    transition: e.transition,
    transition_id: transitionId(e),
    reason: e.reason,
    timestamp: rfc3339(e.at),
  });
}

/** Every known token with its value (`""` when the event has none), for `{{token}}` replacement. */
export function tokenValues(p: Payload): Record<string, string> {
  const values: Record<string, string> = {};
  for (const t of TOKENS) values[t] = String(p[t] ?? '');
  return values;
}
