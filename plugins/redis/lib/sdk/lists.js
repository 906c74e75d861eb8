// Comma lists in a config bucket ("prod/web,prod/dash"), and the record of
// who is linked to a provider that two of them keep in its own bucket:
//
//   <linked> = "prod/web,prod/dash"   every linked consumer
//   <reads>  = "prod/dash"            the ones linked with --reads
//
// The second list is how --reads is remembered: the commands that rebuild
// consumers' URLs (new-password, failover/promote) read each consumer's
// shape from it, whatever its bucket happens to hold. A consumer not in the
// second list is linked without --reads.
import { formatRef, parseRef } from './ref.js';

/**
 * `a, b,,c` → ['a', 'b', 'c']: trimmed, empty entries dropped, first occurrence kept.
 * @param {unknown} raw
 * @returns {string[]}
 */
export function parseList(raw) {
  if (typeof raw !== 'string') return [];
  const out = [];
  for (const part of raw.split(',')) {
    const p = part.trim();
    if (p && !out.includes(p)) out.push(p);
  }
  return out;
}

/** The list with `ref` appended unless already there, joined again. */
export function addToList(raw, ref) {
  const list = parseList(raw);
  if (!list.includes(ref)) list.push(ref);
  return list.join(',');
}

/** The list without `ref` ('' when it was the last one). */
export function removeFromList(raw, ref) {
  return parseList(raw).filter((r) => r !== ref).join(',');
}

/**
 * Every linked consumer with the shape it was linked with. Entries that are
 * not a `<scope>/<name>` reference are skipped (they cannot have a bucket).
 * @param {Record<string, string> | undefined} own the provider's own bucket (not merged with its scope's)
 * @param {{linked: string, reads: string}} keys the two lists' keys
 * @returns {{ref: string, scope: string, name: string, reads: boolean}[]}
 */
export function linkedConsumers(own, keys) {
  const reads = new Set(parseList(own?.[keys.reads]));
  const out = [];
  for (const ref of parseList(own?.[keys.linked])) {
    let parsed;
    try {
      parsed = parseRef(ref);
    } catch {
      continue;
    }
    if (!parsed.scope || !parsed.name) continue;
    const clean = formatRef(parsed.scope, parsed.name);
    out.push({ ref: clean, scope: parsed.scope, name: parsed.name, reads: reads.has(ref) || reads.has(clean) });
  }
  return out;
}

/**
 * The config actions that record a link (with or without --reads) or an
 * unlink of `consumerRef` in the provider's bucket (scope, name), or none
 * when the bucket already says so. They skip the restart: the store reads
 * none of these keys, and rolling it for a bookkeeping change would be an outage.
 * @param {string} scope
 * @param {string} name
 * @param {Record<string, string> | undefined} own that bucket as it is now
 * @param {string} consumerRef
 * @param {{link: boolean, reads?: boolean}} change
 * @param {{linked: string, reads: string}} keys the two lists' keys
 */
export function trackingActions(scope, name, own, consumerRef, change, keys) {
  const { linked, reads } = keys;
  const now = { [linked]: parseList(own?.[linked]).join(','), [reads]: parseList(own?.[reads]).join(',') };
  const next = change.link
    ? { [linked]: addToList(now[linked], consumerRef), [reads]: change.reads ? addToList(now[reads], consumerRef) : removeFromList(now[reads], consumerRef) }
    : { [linked]: removeFromList(now[linked], consumerRef), [reads]: removeFromList(now[reads], consumerRef) };

  const set = {};
  const unset = [];
  for (const key of [linked, reads]) {
    // Compared with the raw value: a list with stray spaces or duplicates is rewritten clean.
    if (next[key] === (own?.[key] ?? '')) continue;
    if (next[key]) set[key] = next[key];
    else if (own?.[key] !== undefined) unset.push(key);
  }
  const actions = [];
  if (Object.keys(set).length) actions.push({ type: 'config_set', scope, name, kv: set, skip_restart: true });
  if (unset.length) actions.push({ type: 'config_unset', scope, name, keys: unset, skip_restart: true });
  return actions;
}
