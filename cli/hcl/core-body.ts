/**
 * Turns a core block's HCL body into its wire-shaped spec: single nested
 * blocks become objects, repeatable ones lists, and labelled ones lists of
 * named items under their wire name (`init "x" {}` → `inits: [{name: "x"}]`).
 * Which blocks exist is the kind's (its `hcl.blocks`); field rules are its validator's.
 */
import type { At } from '../../lib/manifest/at.js';
import type { HclBlockRules as Rules } from '../../lib/manifest/hcl-rules.js';
import { attributes, nestedBlocks, type HclBody } from './body.js';
import type { ScannedBlock } from './scan.js';
import { literalValue } from './values.js';

export function coreBody(body: HclBody, scan: ScannedBlock, rules: Rules, at: At, source: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of attributes(body, scan)) out[a.name] = literalValue(a.value, at.key(a.name));
  for (const { scan: b, body: value } of nestedBlocks(body, scan, source)) {
    const rule = rules[b.type];
    const here = at.key(b.type);
    if (!rule) {
      const accepted = Object.keys(rules);
      return here.fail(
        `unknown block${accepted.length ? `; blocks accepted here: ${accepted.join(', ')}` : '; no blocks are accepted here'} (attributes are written name = value)`,
      );
    }
    const key = rule.wire ?? b.type;
    if (rule.repeat === 'labeled') {
      if (b.labels.length !== 1 || !b.labels[0]) here.fail(`block needs one label, its name: ${b.type} "<name>" { … }`);
      const items = (out[key] ??= []) as unknown[];
      const itemAt = at.key(key).index(items.length, `${b.type} ${JSON.stringify(b.labels[0])}`);
      items.push({ name: b.labels[0], ...coreBody(value, b, rule.children, itemAt, source) });
      continue;
    }
    if (b.labels.length) here.fail(`block takes no labels; write ${b.type} { … }`);
    if (rule.repeat === 'list') {
      const items = (out[key] ??= []) as unknown[];
      items.push(coreBody(value, b, rule.children, at.key(key).index(items.length), source));
      continue;
    }
    if (key in out) here.fail(`only one ${b.type} block is allowed`);
    out[key] = coreBody(value, b, rule.children, here, source);
  }
  return out;
}
