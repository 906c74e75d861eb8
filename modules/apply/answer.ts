/**
 * The answer edge of the desired-state endpoints: every manifest an answer
 * carries is redacted here (lib/manifest/redact.ts says how and why), while
 * the store keeps the real values. The digest key is drawn once per
 * controller process and never leaves it, so two answers of one controller
 * digest a token alike and no answer can be dictionary-attacked.
 */
import type { Manifest } from '../../lib/identity.js';
import { keyedDigest, redactManifest } from '../../lib/manifest/redact.js';

const digest = keyedDigest();

export const redactForAnswer = <M extends Manifest | undefined | null>(m: M): M => (m ? redactManifest(m, digest) : m);

export const redactAllForAnswer = (list: Manifest[]): Manifest[] => list.map((m) => redactManifest(m, digest));

/** The apply answer: `applied` (stored or planned) and, on a dry run, `current`. */
export function redactApplyAnswer(answer: Record<string, unknown>): Record<string, unknown> {
  const out = { ...answer };
  if (Array.isArray(out.applied)) out.applied = (out.applied as Manifest[]).map((m) => redactForAnswer(m));
  if (Array.isArray(out.current)) out.current = (out.current as (Manifest | null)[]).map((m) => redactForAnswer(m));
  return out;
}
