// expand: one `redis "scope" "name" { … }` block → core manifests and the
// actions that go with them. A block with an enabled `sentinel {}` becomes
// sentinels; any other becomes a data redis: [asset (redis.conf +
// entrypoint), statefulset], plus the password's config_set on the first apply.
import { formatRef } from '../ref.js';
import { parseSentinel, validateSentinel } from '../sentinel/parse.js';
import { sentinelDefensiveUnsets, sentinelManifests } from '../sentinel/manifests.js';
import { appendRequirepass, readConf, withAppendonly } from './conf.js';
import { composeDefaults } from './defaults.js';
import { renderEntrypoint } from './entrypoint.js';
import { checkScaleDown } from './guard.js';
import { mergeSpec } from './merge.js';
import { resolvePassword } from './password.js';

const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The request on stdin: `{kind, scope, name, spec, config}`.
 * @param {string} text
 */
export function parseRequest(text) {
  let req;
  try {
    req = JSON.parse(text);
  } catch (err) {
    throw new Error(`decode expand request: ${err.message} (expand reads {kind, scope, name, spec, config} as JSON on stdin)`);
  }
  if (!isObject(req)) throw new Error('decode expand request: expected a JSON object {kind, scope, name, spec, config}');
  if (typeof req.name !== 'string' || !req.name) throw new Error("expand request missing required field 'name'");
  if (req.spec !== undefined && req.spec !== null && !isObject(req.spec)) throw new Error(`redis ${formatRef(req.scope ?? '', req.name)}: the block's spec must be an object`);
  return { kind: req.kind, scope: typeof req.scope === 'string' ? req.scope : '', name: req.name, spec: req.spec ?? {}, config: isObject(req.config) ? req.config : {} };
}

/** `appendonly = true | false` of the block (default false). */
export function appendonlyOf(spec) {
  const v = spec.appendonly;
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw new Error(`appendonly must be true or false, got ${JSON.stringify(v)}; write appendonly = true for AOF (appendfsync everysec)`);
  return v;
}

/**
 * @param {{scope: string, name: string, spec: Record<string, any>, config: Record<string, string>}} req
 * @param {{pluginDir: string}} opts
 */
export function expandRequest(req, opts) {
  const where = `redis ${formatRef(req.scope, req.name)}`;
  const named = (fn) => {
    try {
      return fn();
    } catch (err) {
      throw new Error(err.message.startsWith('redis ') ? err.message : `${where}: ${err.message}`);
    }
  };

  const sentinel = named(() => parseSentinel(req.spec));
  const monitor = named(() => validateSentinel(sentinel, req, req.spec));
  if (monitor) {
    return {
      manifests: sentinelManifests(req, monitor, req.spec),
      actions: sentinelDefensiveUnsets(req),
    };
  }

  const aof = named(() => appendonlyOf(req.spec));
  const { sentinel: _s, appendonly: _a, ...operator } = req.spec;
  const conf = named(() => readConf(opts.pluginDir));
  const merged = mergeSpec(composeDefaults(req.scope, req.name), operator);
  checkScaleDown(req, merged);
  const { password, isNew } = resolvePassword(req.config);

  const asset = {
    kind: 'asset',
    scope: req.scope,
    name: req.name,
    spec: { files: { redis_conf: appendRequirepass(withAppendonly(conf, aof), password), entrypoint: renderEntrypoint(req.scope, req.name) } },
  };
  const statefulset = { kind: 'statefulset', scope: req.scope, name: req.name, spec: merged };
  const actions = isNew ? [{ type: 'config_set', scope: req.scope, name: req.name, kv: { REDIS_PASSWORD: password } }] : [];
  return { manifests: [asset, statefulset], actions };
}

/** stdin text → the envelope's data. */
export async function expand(text, opts) {
  return expandRequest(parseRequest(text), opts);
}
