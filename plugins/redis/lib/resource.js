// A redis resource as the commands see it: the stored statefulset spec and
// the config bucket, read through the controller, with errors that say
// which resource is missing and how to make it exist.
import { RefError, formatRef, parseRef } from './ref.js';

/**
 * `scope/name` → {scope, name, ref}; config buckets need a scope, so a bare name is refused.
 * @param {unknown} arg
 * @param {string} what how the error names the argument ("provider", "consumer", "<scope>/<name>")
 */
export function scopedRef(arg, what) {
  const { scope, name } = parseRef(arg, what);
  if (!scope) throw new RefError(`${what} "${name}": needs its scope, as <scope>/<name> (e.g. prod/${name}); voodu keeps config per scope`);
  return { scope, name, ref: formatRef(scope, name) };
}

/** `usage: …` when the positionals are not exactly `count`. */
export function expectPositionals(positional, count, usage) {
  if (positional.length < count) throw new Error(`missing argument${count - positional.length > 1 ? 's' : ''}\nusage: ${usage}`);
  if (positional.length > count) throw new Error(`unexpected argument "${positional[count]}"\nusage: ${usage}`);
}

/**
 * The statefulset spec of scope/name; a missing one is named with the fix.
 * @param {{controller: any}} ctx
 */
export async function loadSpec(ctx, scope, name, what = 'redis') {
  try {
    return await ctx.controller.fetchSpec('statefulset', scope, name);
  } catch (err) {
    if (err?.status === 404) {
      throw new Error(`${what} ${formatRef(scope, name)}: not found (no statefulset ${formatRef(scope, name)} is applied); check the name, or apply its redis block first`);
    }
    throw err;
  }
}

/**
 * The spec, the merged config (what the pods see: scope bucket < app bucket)
 * and the app's own bucket (what the tracking keys are compared against).
 */
export async function loadRedis(ctx, scope, name, what = 'redis') {
  const spec = await loadSpec(ctx, scope, name, what);
  const [config, own] = await Promise.all([ctx.controller.fetchConfig(scope, name), ctx.controller.fetchConfig(scope, name, { merge: false })]);
  return { spec, config, own };
}
