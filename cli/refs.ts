/** Resource references as operators type them on the command line. */
import { CliError } from './client.js';

/**
 * `<scope>/<name>` or `<name>` (the controller resolves a name that is
 * unique across scopes). `what` names the kind in the error
 * (`a job reference`).
 */
export function parseRef(ref: string | undefined, what = 'a reference'): { scope?: string; name: string } {
  const parts = (ref ?? '').split('/');
  if (parts.length === 1 && parts[0]) return { name: parts[0] };
  if (parts.length === 2 && parts[0] && parts[1]) return { scope: parts[0], name: parts[1] };
  throw new CliError(`${JSON.stringify(ref ?? '')} is not ${what}; use <scope>/<name> (or <name> when it is unique)`);
}
