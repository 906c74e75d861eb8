// Names of a resource: its `scope/name` reference, the containers of its
// pods and the DNS names voodu0 gives them, and the checks on a command's
// positional arguments. A plugin's lib/ref.js re-exports these next to its
// own ports and bucket keys, so a pod, a URL and a record always agree.

/** Raised for a reference the user typed wrong; the plugin's main turns it into the error envelope. */
export class RefError extends Error {}

/**
 * `scope/name` → `{scope, name}`; a bare `name` is unscoped (scope "").
 * Spaces around either part are dropped.
 * @param {unknown} ref
 * @param {string} [what] how the error names the argument, e.g. "provider"
 * @param {string} [example] a reference the errors show, e.g. "prod/cache"
 * @returns {{scope: string, name: string}}
 */
export function parseRef(ref, what = 'ref', example = 'prod/web') {
  const howTo = `give it as <scope>/<name>, e.g. ${example}`;
  if (typeof ref !== 'string' || !ref.trim()) throw new RefError(`${what}: missing; ${howTo}`);
  const parts = ref.trim().split('/');
  if (parts.length > 2) throw new RefError(`${what} "${ref}": more than one "/"; ${howTo}`);
  if (parts.length === 1) return { scope: '', name: parts[0].trim() };
  const scope = parts[0].trim();
  const name = parts[1].trim();
  if (!scope || !name) throw new RefError(`${what} "${ref}": scope and name must both be non-empty; ${howTo}`);
  return { scope, name };
}

/** `scope/name`, or `name` when unscoped. */
export const formatRef = (scope, name) => (scope ? `${scope}/${name}` : name);

/**
 * `scope/name` → {scope, name, ref}; config buckets need a scope, so a bare name is refused.
 * @param {unknown} arg
 * @param {string} what how the error names the argument ("provider", "consumer", "<scope>/<name>")
 * @param {string} [example] a reference parseRef's errors show
 */
export function scopedRef(arg, what, example) {
  const { scope, name } = parseRef(arg, what, example);
  if (!scope) throw new RefError(`${what} "${name}": needs its scope, as <scope>/<name> (e.g. prod/${name}); voodu keeps config per scope`);
  return { scope, name, ref: formatRef(scope, name) };
}

/**
 * `usage: …` when the positionals are not exactly `count` (or within [count, max]).
 * @param {string[]} positional
 * @param {number} count
 * @param {string} usage
 * @param {number} [max]
 */
export function expectPositionals(positional, count, usage, max = count) {
  if (positional.length < count) throw new Error(`missing argument${count - positional.length > 1 ? 's' : ''}\nusage: ${usage}`);
  if (positional.length > max) throw new Error(`unexpected argument "${positional[max]}"\nusage: ${usage}`);
}

/** Docker name of pod `ordinal`: `<scope>-<name>.<ordinal>` (unscoped `<name>.<ordinal>`). */
export const containerName = (scope, name, ordinal) => `${scope ? `${scope}-${name}` : name}.${ordinal}`;

const clean = (s) => String(s ?? '').trim().toLowerCase();

/** `.<scope>.voodu`, or `.voodu` when unscoped: what every DNS name of the resource ends with. */
export const dnsSuffix = (scope) => (clean(scope) ? `.${clean(scope)}.voodu` : '.voodu');

/** One pod's name on voodu0: `<name>-<ordinal>.<scope>.voodu`. */
export const podHost = (scope, name, ordinal) => `${clean(name)}-${ordinal}${dnsSuffix(scope)}`;

/** The name shared by every pod of the resource (Docker round-robins it): `<name>.<scope>.voodu`. */
export const sharedHost = (scope, name) => `${clean(name)}${dnsSuffix(scope)}`;
