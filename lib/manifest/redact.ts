/**
 * Secret spec fields never leave the controller in an answer. A stored
 * manifest keeps the real value (docker needs it); whatever a manifest is
 * answered as — `GET /apply`, `GET /describe`, the apply and dry-run
 * answers — goes through `redactManifest` first, which puts the fixed
 * marker in the field and a short keyed digest in
 * `metadata.secret_digests.<field>`, so `voodu diff` can still tell a
 * changed token from an unchanged one without ever seeing either.
 *
 * Why a keyed digest (HMAC-SHA256 under a random key that lives only in
 * the answering process) and not sha256(value): `password` is often a
 * human password, and a plain hash of a low-entropy value is recovered by
 * an offline dictionary run from any saved `get -o json`. With the key
 * never leaving the process there is nothing to run a dictionary against.
 * Comparison still works because a diff compares the two sides of one
 * dry-run answer, digested by the same process under the same key. The
 * cost: digests change when the controller restarts, so they are only
 * comparable within one controller's lifetime (say so, never compare
 * saved outputs across restarts). Telling "changed" from "unchanged" is
 * itself an equality oracle for whoever may dry-run applies; that caller
 * may also apply, exec and read config buckets, so it reveals nothing new.
 *
 * Pure but for `createHmac`: shared by the CLI (defence against an older
 * controller that answers raw values) and the controller.
 */
import { createHmac, randomBytes } from 'node:crypto';

/** What an answer shows instead of a secret. `validateRegistry` refuses it as a value, so a round-tripped `get -o json` cannot store it. */
export const REDACTED = '(redacted)';

/** Spec fields that hold secrets, per kind. */
export const SECRET_FIELDS: Readonly<Record<string, readonly string[]>> = { registry: ['token', 'password'] };

/** value → short digest (`hmac-sha256:<12 hex>`). */
export type Digest = (value: string) => string;

/** A digest under `key`; `keyedDigest()` draws a fresh random key, for one process's lifetime. */
export function keyedDigest(key: Buffer = randomBytes(32)): Digest {
  return (value) => `hmac-sha256:${createHmac('sha256', key).update(value, 'utf8').digest('hex').slice(0, 12)}`;
}

/** The shape redaction needs: any manifest on the wire or in the store. */
export interface RedactableManifest {
  kind: string;
  spec?: unknown;
  metadata?: object;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A copy with every secret field of its kind replaced by REDACTED and its
 * digest recorded in `metadata.secret_digests`. Idempotent: a field that
 * already shows the marker keeps the digest it came with. Manifests with
 * nothing to hide are returned as they are.
 */
export function redactManifest<M extends RedactableManifest>(m: M, digest: Digest): M {
  const fields = SECRET_FIELDS[m.kind];
  if (!fields || !isRecord(m.spec) || !fields.some((f) => typeof (m.spec as Record<string, unknown>)[f] === 'string')) return m;
  const spec: Record<string, unknown> = { ...m.spec };
  const meta = (m.metadata ?? {}) as { secret_digests?: Record<string, string> };
  const digests: Record<string, string> = { ...(isRecord(meta.secret_digests) ? meta.secret_digests : {}) };
  for (const f of fields) {
    const value = spec[f];
    if (typeof value !== 'string') continue;
    if (value !== REDACTED) digests[f] = digest(value);
    spec[f] = REDACTED;
  }
  return { ...m, spec, metadata: { ...meta, secret_digests: digests } };
}

/** Secret fields whose digests differ between two answers of one process (`[]` when neither has any). */
export function changedSecrets(from: RedactableManifest, to: RedactableManifest): string[] {
  const a = digestsOf(from);
  const b = digestsOf(to);
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((f) => a[f] !== b[f]).sort();
}

function digestsOf(m: RedactableManifest): Record<string, string> {
  const d = (m.metadata as { secret_digests?: unknown } | undefined)?.secret_digests;
  return isRecord(d) ? (Object.fromEntries(Object.entries(d).filter(([, v]) => typeof v === 'string')) as Record<string, string>) : {};
}
