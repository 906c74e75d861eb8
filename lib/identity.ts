/**
 * Manifest identity: what names a resource, and the names derived from it
 * that every module must agree on (AppID, etcd keys). The kernel knows no
 * particular kind — kinds are plain strings owned by the modules.
 */
import type { Manifest, ResourceRef } from '../kernel/hooks.js';
import { ValidationError } from './errors.js';

// The shapes themselves are the kernel's, since its hooks carry them; they
// are re-exported here with the names derived from them. Types only: nothing
// of the kernel loads with this file.
export type { Manifest, ManifestMetadata, ResourceRef } from '../kernel/hooks.js';

/** Kind, scope and name segments: lowercase DNS-label-ish, as container names and aliases need. */
const SEGMENT = /^[a-z0-9]([a-z0-9_.-]{0,61}[a-z0-9])?$/;

/** Throws a ValidationError naming `field` unless `value` is a usable name segment. */
export function assertSegment(value: unknown, field: string): asserts value is string {
  if (typeof value !== 'string' || !SEGMENT.test(value) || value.includes('..')) {
    throw new ValidationError(
      `${field}: ${JSON.stringify(value)} is not a valid name; use 1-63 lowercase letters, digits, '-', '_' or '.', starting and ending with a letter or digit`,
      { field },
    );
  }
}

export function refOf(m: Pick<Manifest, 'kind' | 'scope' | 'name'>): ResourceRef {
  return { kind: m.kind, scope: m.scope ?? '', name: m.name };
}

/** `kind/scope/name`, or `kind/name` when unscoped — the form used in messages and prune lists. */
export function formatRef(ref: ResourceRef): string {
  return ref.scope ? `${ref.kind}/${ref.scope}/${ref.name}` : `${ref.kind}/${ref.name}`;
}

/** AppID: `<scope>-<name>`, or `<name>` when unscoped. Names env dirs, status keys, containers. */
export function appId(scope: string | undefined, name: string): string {
  return scope ? `${scope}-${name}` : name;
}

/**
 * The etcd key layout. Unscoped resources use
 * the `_` placeholder only where the reference has a segment for it.
 */
export const keys = {
  desiredRoot: '/desired/',
  desiredKind: (kind: string) => `/desired/${kind}s/`,
  desired: (ref: ResourceRef) =>
    ref.scope ? `/desired/${ref.kind}s/${ref.scope}/${ref.name}` : `/desired/${ref.kind}s/${ref.name}`,
  status: (kind: string, scope: string, name: string) => `/status/${kind}s/${appId(scope, name)}`,
  configBucket: (scope: string, name?: string) => `/config/${scope}/${name || '_'}/`,
  configKey: (scope: string, name: string | undefined, key: string) => `/config/${scope}/${name || '_'}/${key}`,
  frozen: (ref: ResourceRef) => `/frozen/${ref.kind}s/${ref.scope}/${ref.name}`,
  eventsRoot: '/events/',
  /** A resource's bounded event log (modules/events). */
  events: (ref: ResourceRef) => (ref.scope ? `/events/${ref.kind}s/${ref.scope}/${ref.name}` : `/events/${ref.kind}s/${ref.name}`),
} as const;

/** Inverse of `keys.desired`: `/desired/deployments/prod/api` → {deployment, prod, api}. */
export function parseDesiredKey(key: string): ResourceRef | undefined {
  const parts = key.split('/');
  // ['', 'desired', '<kind>s', scope?, name]
  if (parts[0] !== '' || parts[1] !== 'desired' || !parts[2]?.endsWith('s')) return undefined;
  const kind = parts[2].slice(0, -1);
  if (parts.length === 5 && parts[3] && parts[4]) return { kind, scope: parts[3], name: parts[4] };
  if (parts.length === 4 && parts[3]) return { kind, scope: '', name: parts[3] };
  return undefined;
}
