/**
 * Decision 7: several ingresses may share a host when their location paths
 * differ; only an identical (host, path) pair collides. Pure: the apply
 * `check` stage feeds it the batch and the stored ingresses.
 */
import { ValidationError } from '../../lib/errors.js';
import { formatRef, type ResourceRef } from '../../lib/identity.js';
import type { IngressSpec } from './spec.js';

export interface IngressEntry {
  ref: ResourceRef;
  spec: Pick<IngressSpec, 'host' | 'locations'>;
}

/** `/api/` and `/api` route the same; no location (or `""`) is the root `/`. */
export function normalisePath(path: string | undefined): string {
  const p = (path ?? '').trim();
  if (!p || p === '/') return '/';
  return p.replace(/\/+$/, '') || '/';
}

/** Every (host, path) pair an ingress claims; the host compares case-insensitively. */
export function routeKeys(spec: IngressEntry['spec']): string[] {
  const host = (spec.host ?? '').trim().toLowerCase();
  const paths = spec.locations?.length ? spec.locations.map((l) => normalisePath(l.path)) : ['/'];
  return [...new Set(paths)].map((p) => `${host} ${p}`);
}

const sameRef = (a: ResourceRef, b: ResourceRef) => a.kind === b.kind && a.scope === b.scope && a.name === b.name;

/**
 * Throws a ValidationError (400) naming both ingresses on the first shared
 * (host, path): within the batch, or against a stored ingress the batch does
 * not replace.
 */
export function checkCollisions(batch: IngressEntry[], stored: IngressEntry[]): void {
  const claimed = new Map<string, ResourceRef>();
  const others = stored.filter((s) => !batch.some((b) => sameRef(b.ref, s.ref)));
  for (const entry of [...others, ...batch]) {
    for (const key of routeKeys(entry.spec)) {
      const owner = claimed.get(key);
      if (owner && !sameRef(owner, entry.ref)) {
        const [host, path] = key.split(' ');
        throw new ValidationError(
          `${formatRef(entry.ref)}: host ${JSON.stringify(host)} path ${JSON.stringify(path)} is already served by ${formatRef(owner)}; give one of them another host or a different location path`,
          { field: 'host' },
        );
      }
      claimed.set(key, entry.ref);
    }
  }
}
