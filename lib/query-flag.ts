/** Boolean query parameters, read the same way by every route. */
import { ValidationError } from './errors.js';

/** `true`/`1`, `false`/`0`; absent or empty → `fallback`; anything else is a 400 naming `query.<name>`. */
export function queryFlag(query: Record<string, string>, name: string, fallback: boolean): boolean {
  const raw = query[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ValidationError(`query.${name}: ${JSON.stringify(raw)} is not a boolean; use true or false`, { field: `query.${name}` });
}
