/**
 * The dynamic part of completion: refs of what the controller holds — the
 * `<scope>/<name>` of stored manifests and the names of pods. A completion
 * must never make a TAB hang, so the controller gets 200 ms; whatever has
 * not answered by then (or failed) adds nothing, and nothing is an answer.
 * Only names are printed: a manifest's spec (which may hold secrets) is
 * read off the wire and dropped.
 */
import type { ControllerClient } from '../client.js';

export const REFS_TIMEOUT_MS = 200;

interface Named {
  scope?: string;
  name?: unknown;
}

/**
 * What a candidate may contain. Names are validated far narrower than this, but bash's `compgen -W`
 * expands its word list, so a candidate with `$`, a quote or a space would be run or split there.
 */
const SAFE = /^[A-Za-z0-9._:@+\/-]+$/;

const refOf = (m: Named) => (typeof m.name !== 'string' || !m.name ? undefined : m.scope ? `${m.scope}/${m.name}` : m.name);

/**
 * Refs, sorted and each once. With `kind` (a stored kind, already checked
 * against the registry) only manifests of that kind; without, every
 * manifest and every pod.
 */
export async function fetchRefs(client: ControllerClient, kind: string | undefined, timeoutMs = REFS_TIMEOUT_MS): Promise<string[]> {
  const signal = AbortSignal.timeout(timeoutMs);
  const ask = async (path: string, query: Record<string, string | undefined>) => {
    const list = await client.data<Named[]>('GET', path, { query, timeoutMs, signal });
    return Array.isArray(list) ? list.map(refOf).filter((r): r is string => r !== undefined) : [];
  };
  const asked = [ask('/apply', { kind }), ...(kind ? [] : [ask('/pods', {})])];
  // The signal bounds the body as well as the headers: a slow answer is aborted, not awaited.
  const settled = await Promise.allSettled(asked);
  const refs = settled.flatMap((s) => (s.status === 'fulfilled' ? s.value : []));
  return [...new Set(refs)].filter((r) => SAFE.test(r)).sort();
}
