/**
 * `volume_claim "<name>" { mount_path, size }`: one docker volume per claim
 * per ordinal, named `voodu-<scope>-<name>-<claim>-<ordinal>`. The reference
 * never checks claim names; a bad or repeated one breaks the volume name.
 */
import { isPlainObject, record, str, text, type Decoder } from './decoders.js';
import type { VolumeClaim } from './types.js';
import { segmentProblem } from './values.js';

const claimShape = record<VolumeClaim>('a volume_claim block', { name: text, mount_path: text, size: str });

export const volumeClaims: Decoder<VolumeClaim[]> = (v, at) => {
  if (!Array.isArray(v)) return at.fail('must be a list of volume claims');
  const seen = new Set<string>();
  const out = v.map((item, i) => {
    const rawName = isPlainObject(item) && typeof item.name === 'string' ? item.name : '';
    const here = at.index(i, rawName ? `volume_claim ${JSON.stringify(rawName)}` : `volume_claim[${i}]`);
    const claim = claimShape(item, here)!;
    if (!claim.name) here.fail('missing name; write volume_claim "<name>" { mount_path = "…" }');
    const nameProblem = segmentProblem(claim.name);
    if (nameProblem) here.fail(nameProblem);
    if (seen.has(claim.name)) here.fail('duplicate volume_claim name; each claim needs its own name');
    seen.add(claim.name);
    if (!claim.mount_path) here.key('mount_path').fail('is required');
    if (!claim.mount_path.startsWith('/')) here.key('mount_path').fail(`must be an absolute path (got ${JSON.stringify(claim.mount_path)})`);
    return claim;
  });
  return out.length ? out : undefined;
};
