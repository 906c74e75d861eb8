/**
 * The edge of the pods endpoints: every path parameter and query value is
 * checked here, with an error naming the field and what is accepted.
 */
import { ValidationError } from '../../lib/errors.js';
import { assertSegment } from '../../lib/identity.js';
import type { KindRegistry } from '../../lib/manifest/index.js';
import type { PodFilter } from './contract.js';

/** docker's own rule for container names, which also rules out '/', whitespace and a leading '.'. */
const POD_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,254}$/;

export function podName(value: string | undefined): string {
  if (value === undefined || !POD_NAME.test(value)) {
    throw new ValidationError(
      `pod name ${JSON.stringify(value ?? '')}: use a container name such as prod-api.a1b2 (letters, digits, '_', '.', '-'; no '/', no whitespace, not starting with '.')`,
      { field: 'name' },
    );
  }
  return value;
}

/** A non-negative integer up to `max`, or undefined when absent. */
export function intParam(query: Record<string, string>, name: string, max: number): number | undefined {
  const raw = query[name];
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) > max) {
    throw new ValidationError(`query.${name}: ${JSON.stringify(raw)} is not a whole number between 0 and ${max}`, { field: name });
  }
  return Number(raw);
}

/** `tail`: a line count, or `all` (docker's own spelling) for everything. */
export function tailParam(query: Record<string, string>): number | undefined {
  return query.tail === 'all' ? undefined : intParam(query, 'tail', 1_000_000);
}

/** `since`: Unix seconds or an RFC 3339 time, as `docker logs --since` takes them. */
export function sinceParam(query: Record<string, string>): string | undefined {
  const raw = query.since;
  if (raw === undefined || raw === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(raw) || (/^\d{4}-\d{2}-\d{2}T/.test(raw) && !Number.isNaN(Date.parse(raw)))) return raw;
  throw new ValidationError(`query.since: ${JSON.stringify(raw)} is neither Unix seconds nor an RFC 3339 time (2024-05-01T12:00:00Z)`, {
    field: 'since',
  });
}

/** `kind`, `scope`, `name` filters of the listing endpoints. */
export function filterOf(kinds: KindRegistry, query: Record<string, string>): PodFilter {
  const filter: PodFilter = {};
  if (query.kind) {
    const kind = kinds.parse(query.kind);
    if (!kind) {
      throw new ValidationError(`query.kind: ${JSON.stringify(query.kind)} is not a kind; accepted: ${kinds.withRole('workload').join(', ')}`, {
        field: 'kind',
      });
    }
    filter.kind = kind;
  }
  if (query.scope) {
    assertSegment(query.scope, 'query.scope');
    filter.scope = query.scope;
  }
  if (query.name) {
    assertSegment(query.name, 'query.name');
    filter.name = query.name;
  }
  return filter;
}
