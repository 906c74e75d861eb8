/**
 * `${ref.kind.name.field}` inside env values (see `env` in docs/kinds.md): another
 * resource's published status data, e.g. an ingress URL or a database's
 * connection string. Resolved values are secrets like any env value: errors
 * name the reference and the key, never a value.
 */
import { TransientError } from '../../lib/errors.js';
import { keys } from '../../lib/identity.js';
import type { KindRegistry } from '../../lib/manifest/kind-registry.js';
import type { Store } from '../store/contract.js';

const REF = /\$\{ref\.([a-z]+)\.([A-Za-z0-9][A-Za-z0-9_-]*)\.([A-Za-z][A-Za-z0-9_]*)\}/g;
/**
 * Replaces every `${ref…}` in `text`; TransientError when one does not resolve (yet).
 * A kind whose scope is required has its status keyed by the caller's scope; others by name alone.
 */
export async function resolveRefs(store: Store, kinds: KindRegistry, text: string, callerScope: string, envKey: string): Promise<string> {
  const matches = [...text.matchAll(REF)];
  if (!matches.length) return text;
  let out = '';
  let last = 0;
  for (const m of matches) {
    const [whole, kind, name, field] = m as unknown as [string, string, string, string];
    const statusKey = keys.status(kind, kinds.scopeRule(kind) === 'required' ? callerScope : '', name);
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
