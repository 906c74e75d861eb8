// expand: one `redis "scope" "name" { … }` block → core manifests and the
// actions that go with them. A block with an enabled `sentinel {}` becomes
// sentinels; any other becomes a data redis: [asset (redis.conf +
// entrypoint), statefulset], plus the password's config_set on the first apply.
import { formatRef } from '../ref.js';
import { parseExpandRequest } from '../sdk/expand-request.js';
import { parseSentinel, validateSentinel } from '../sentinel/parse.js';
import { sentinelDefensiveUnsets, sentinelManifests } from '../sentinel/manifests.js';
import { appendRequirepass, readConf, withAppendonly } from './conf.js';
import { composeDefaults } from './defaults.js';
import { renderEntrypoint } from './entrypoint.js';
import { checkScaleDown } from './guard.js';
import { mergeSpec } from './merge.js';
import { resolvePassword } from './password.js';

/**
 * The request on stdin: `{kind, scope, name, spec, config}` (sdk/expand-request.js).
 * @param {string} text
 */
export const parseRequest = (text) => parseExpandRequest(text, 'redis');

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
