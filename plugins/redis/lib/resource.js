// A redis resource as the commands see it: the stored statefulset spec and
// the config bucket, read through the controller, with errors that say
// which resource is missing and how to make it exist.
import { formatRef } from './ref.js';

// The argument checks every command starts with (sdk/ref.js, through ref.js).
export { expectPositionals, scopedRef } from './ref.js';

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
