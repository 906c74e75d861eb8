// The request an `expand` reads on stdin: `{kind, scope, name, spec, config}`
// — one block of the plugin's kind, its attributes as `spec`, and the
// resource's config bucket as `config` (where generated passwords and
// the plugin's state live). Checked before anything is built.
import { formatRef } from './ref.js';

const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * stdin text → the request, normalized: scope '' when absent, spec {} when
 * absent, config holding its string values only.
 * @param {string} text
 * @param {string} kind the plugin's block kind, as the errors name it ("redis", "postgres")
 * @param {{defaultKind?: string}} [opts] defaultKind: the kind of a request that names none (else undefined)
 * @returns {{kind: string | undefined, scope: string, name: string, spec: Record<string, any>, config: Record<string, string>}}
 */
export function parseExpandRequest(text, kind, opts = {}) {
  let req;
  try {
    req = JSON.parse(text);
  } catch (err) {
    throw new Error(`decode expand request: ${err.message} (expand reads {kind, scope, name, spec, config} as JSON on stdin)`);
  }
  if (!isObject(req)) throw new Error('decode expand request: expected a JSON object {kind, scope, name, spec, config}');
  if (typeof req.name !== 'string' || !req.name) throw new Error("expand request missing required field 'name'");
  const scope = typeof req.scope === 'string' ? req.scope : '';
  if (req.spec !== undefined && req.spec !== null && !isObject(req.spec)) {
    const got = Array.isArray(req.spec) ? 'an array' : typeof req.spec;
    throw new Error(`${kind} ${formatRef(scope, req.name)}: the block must be a map of attributes (the request's spec must be an object, got ${got})`);
  }
  const config = {};
  for (const [k, v] of Object.entries(isObject(req.config) ? req.config : {})) if (typeof v === 'string') config[k] = v;
  return { kind: typeof req.kind === 'string' ? req.kind : opts.defaultKind, scope, name: req.name, spec: req.spec ?? {}, config };
}
