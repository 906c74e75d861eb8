/**
 * Pairs a block body from hcl2-json-parser (values, keys sorted, nested
 * blocks as arrays under their labels) with the scanned block (order,
 * labels, lines), so callers walk the body in source order and get each
 * nested block's value together with its scan.
 */
import { ValidationError } from '../../lib/errors.js';
import type { ScannedBlock } from './scan.js';

/** A value as hcl2-json-parser returns it. */
export type HclJson = string | number | boolean | null | HclJson[] | { [key: string]: HclJson };
export type HclBody = { [key: string]: HclJson };

export interface BlockValue {
  scan: ScannedBlock;
  body: HclBody;
}

const isBody = (v: unknown): v is HclBody => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Each nested block of `scan`, in source order, with its body. */
export function nestedBlocks(body: HclBody, scan: { blocks: ScannedBlock[] }, source: string): BlockValue[] {
  const taken = new Map<string, number>();
  return scan.blocks.map((b) => {
    const path = JSON.stringify([b.type, ...b.labels]);
    const index = taken.get(path) ?? 0;
    taken.set(path, index + 1);
    let node: unknown = body[b.type];
    for (const label of b.labels) node = isBody(node) ? node[label] : undefined;
    const value = Array.isArray(node) ? node[index] : undefined;
    if (!isBody(value)) {
      // The scan and the parser disagree about this file's structure: a bug of ours, not the operator's.
      throw new ValidationError(`${source}:${b.line}: could not read block ${[b.type, ...b.labels.map((l) => JSON.stringify(l))].join(' ')}; please report this file`);
    }
    return { scan: b, body: value };
  });
}

/** Each attribute of `scan` with its value, in source order. */
export function attributes(body: HclBody, scan: ScannedBlock): { name: string; line: number; value: HclJson }[] {
  return scan.attributes.map((a) => ({ name: a.name, line: a.line, value: body[a.name] ?? null }));
}
