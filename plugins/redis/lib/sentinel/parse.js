// The `sentinel { monitor = "scope/name" }` block: its shape, then the rules
// a sentinel resource must follow. Writing the block turns the resource into
// sentinels (enabled defaults to true); `enabled = false` keeps the block
// visible but makes the resource a plain data redis again.
import { asInt } from '../topology.js';

const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

const typeName = (v) => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'string' ? `the string ${JSON.stringify(v)}` : `${typeof v} ${JSON.stringify(v)}`);

/**
 * null when the spec has no `sentinel` key; `{enabled, monitor}` otherwise.
 * A repeated block arrives as a list: one element is accepted, more is an error.
 * @param {Record<string, unknown> | undefined} spec
 * @returns {{enabled: boolean, monitor: string} | null}
 */
export function parseSentinel(spec) {
  if (!spec || !Object.hasOwn(spec, 'sentinel')) return null;
  let block = spec.sentinel;
  if (Array.isArray(block)) {
    if (block.length !== 1) throw new Error(`sentinel block declared ${block.length} times; exactly one sentinel { monitor = "<scope>/<name>" } block is allowed per resource`);
    block = block[0];
  }
  if (!isObject(block)) throw new Error(`sentinel block must be a block, sentinel { monitor = "<scope>/<name>" }, not ${typeName(block)}`);
  const out = { enabled: true, monitor: '' };
  if (block.enabled !== undefined) {
    if (typeof block.enabled !== 'boolean') throw new Error(`sentinel.enabled has unexpected type (${typeName(block.enabled)}); write enabled = true or enabled = false`);
    out.enabled = block.enabled;
  }
  if (block.monitor !== undefined) {
    if (typeof block.monitor !== 'string') throw new Error(`sentinel.monitor has unexpected type (${typeName(block.monitor)}); write monitor = "<scope>/<name>" of the redis to watch`);
    out.monitor = block.monitor;
  }
  return out;
}

/**
 * `scope/name` → its trimmed parts; anything else (no slash, two slashes, an empty side) throws.
 * @returns {{scope: string, name: string}}
 */
export function splitMonitorRef(ref) {
  const text = String(ref ?? '').trim();
  if (!text) throw new Error('is empty');
  const parts = text.split('/');
  if (parts.length !== 2) throw new Error(`needs exactly one "/" between scope and name (found ${parts.length - 1})`);
  const scope = parts[0].trim();
  const name = parts[1].trim();
  if (!scope || !name) throw new Error('needs a scope and a name on both sides of the "/"');
  return { scope, name };
}

/**
 * The rules of an enabled sentinel resource; nothing to check when disabled.
 * Only the block's own `replicas` is checked: left out, sentinels default to 3.
 * @param {{enabled: boolean, monitor: string} | null} s
 * @param {{scope?: string, name: string}} req
 * @param {Record<string, unknown> | undefined} spec the block's keys
 * @returns {{scope: string, name: string} | null} the monitored redis
 */
export function validateSentinel(s, req, spec) {
  if (!s || !s.enabled) return null;
  const scope = req.scope ?? '';
  const example = `monitor = "${scope || '<scope>'}/<data redis name>"`;
  if (!s.monitor.trim()) throw new Error(`sentinel.enabled = true requires sentinel.monitor, the "<scope>/<name>" of the redis to watch; write ${example}`);
  let target;
  try {
    target = splitMonitorRef(s.monitor);
  } catch (err) {
    throw new Error(`sentinel.monitor ${JSON.stringify(s.monitor)} ${err.message}; write ${example}`);
  }
  if (target.scope !== scope) {
    throw new Error(
      `sentinel.monitor ${JSON.stringify(s.monitor)} is in scope "${target.scope}" but these sentinels are in scope "${scope}": cross-scope monitoring is not supported; declare the sentinels in scope "${target.scope}", or monitor a redis of scope "${scope}"`,
    );
  }
  if (target.name === req.name) {
    throw new Error(`sentinel.monitor ${JSON.stringify(s.monitor)} points at this sentinel resource itself; monitor the data redis instead, e.g. ${example}`);
  }
  checkSentinelReplicas(spec);
  return target;
}

/** 1 (a lone observer) or ≥ 3: with 2, the quorum is 2 and losing either sentinel stops failover. */
export function checkSentinelReplicas(spec) {
  if (!spec || spec.replicas === undefined) return;
  const n = asInt(spec.replicas);
  if (n === undefined) throw new Error(`replicas has unexpected type (${typeName(spec.replicas)}); sentinels need a whole number: 3 (or more) for HA, 1 for a lone observer`);
  if (n <= 0) throw new Error(`replicas = ${n} is not allowed for sentinels; use 3 (or more) for HA, or 1 for a lone observer`);
  if (n === 2) {
    throw new Error('replicas = 2 is not allowed for sentinels: the quorum would be 2, so losing either sentinel stops failover (worse than one). Use replicas = 3 (or more) for HA, or 1 for a lone observer');
  }
}
