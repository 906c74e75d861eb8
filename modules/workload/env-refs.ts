/**
 * `${ref.kind.name.field}` inside env values (spec core.md §2.3): another
 * resource's published status data, e.g. an ingress URL or a database's
 * connection string. Resolved values are secrets like any env value: errors
 * name the reference and the key, never a value.
 */
import { TransientError } from '../../lib/errors.js';
import { keys } from '../../lib/identity.js';
import type { Store } from '../store/contract.js';

const REF = /\$\{ref\.([a-z]+)\.([A-Za-z0-9][A-Za-z0-9_-]*)\.([A-Za-z][A-Za-z0-9_]*)\}/g;
/** Kinds whose status key carries the caller's scope (AppID); others are keyed by name alone. */
const SCOPED = new Set(['deployment', 'statefulset', 'ingress', 'job', 'cronjob']);

/** Replaces every `${ref…}` in `text`; TransientError when one does not resolve (yet). */
export async function resolveRefs(store: Store, text: string, callerScope: string, envKey: string): Promise<string> {
  const matches = [...text.matchAll(REF)];
  if (!matches.length) return text;
  let out = '';
  let last = 0;
  for (const m of matches) {
    const [whole, kind, name, field] = m as unknown as [string, string, string, string];
    const statusKey = keys.status(kind, SCOPED.has(kind) ? callerScope : '', name);
    const status = await store.getJSON<{ data?: Record<string, unknown> }>(statusKey).catch(() => undefined);
    const value = status?.data?.[field];
    if (value === undefined || value === null || typeof value === 'object') {
      throw new TransientError(`env ${envKey}: ${whole} does not resolve yet (no data.${field} in ${statusKey})`);
    }
    out += text.slice(last, m.index) + String(value);
    last = m.index! + whole.length;
  }
  return out + text.slice(last);
}
