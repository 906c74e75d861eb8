/**
 * The edge of `/apply`: the body must be one manifest or an array of them,
 * each with a kind, a name and a spec object. Field-level rules come later,
 * per kind, after expansion.
 */
import { ValidationError } from '../../lib/errors.js';
import { type Manifest } from '../../lib/identity.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function decodeManifests(body: unknown): Manifest[] {
  const list = Array.isArray(body) ? body : body === undefined || body === null ? [] : [body];
  if (list.length === 0) throw new ValidationError('no manifests in body', { field: 'body' });
  return list.map((raw, i) => {
    const at = Array.isArray(body) ? `body[${i}]` : 'body';
    if (!isObject(raw)) throw new ValidationError(`${at}: must be a manifest object {kind, scope, name, spec}`, { field: at });
    for (const key of Object.keys(raw)) {
      if (!['kind', 'scope', 'name', 'spec', 'metadata'].includes(key)) {
        throw new ValidationError(`${at}.${key}: unknown field; a manifest has kind, scope, name, spec and metadata`, { field: `${at}.${key}` });
      }
    }
    if (typeof raw.kind !== 'string' || !raw.kind) throw new ValidationError(`${at}.kind: required (deployment, statefulset, …)`, { field: `${at}.kind` });
    if (typeof raw.name !== 'string' || !raw.name) throw new ValidationError(`${at}.name: required`, { field: `${at}.name` });
    if (raw.scope !== undefined && typeof raw.scope !== 'string') throw new ValidationError(`${at}.scope: must be a string`, { field: `${at}.scope` });
    const spec = raw.spec ?? {};
    if (!isObject(spec)) throw new ValidationError(`${at}.spec: must be an object`, { field: `${at}.spec` });
    // Incoming metadata is the client's view; the store sets its own on write.
    return { kind: raw.kind.toLowerCase(), name: raw.name, ...(raw.scope ? { scope: raw.scope } : {}), spec } as Manifest;
  });
}
