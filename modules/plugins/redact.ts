/**
 * Plugin output copied into an error (the API answer, a reconcile error,
 * the controller log that repeats either) has every value of the config
 * buckets of the resource the call is about replaced by `***`. A plugin
 * prints what it was given when it fails — a connection string, a
 * password in a command line — and its stderr is the one place the
 * controller passes text through unread.
 *
 * Which resource: for a dispatch, the first argument when it is
 * `<scope>/<name>`; for an expansion, the block's; for `plugins.run`, what
 * the caller names. Both buckets are read (the scope's and the app's), not
 * the merge, so a scope value an app value overrides is masked too.
 */
import { type Logger } from '../../kernel/index.js';
import { messageOf } from '../../lib/errors.js';
import { assertSegment } from '../../lib/identity.js';
import type { ConfigService } from '../config/contract.js';
import type { RunResult } from './run.js';

export const MASK = '***';

/** Shorter values are left alone: masking every "1" or "yes" would garble the text and hide nothing. */
export const MIN_SECRET_LENGTH = 4;

/** The resource whose buckets are masked. */
export interface BucketRef {
  scope: string;
  name: string;
}

/**
 * `text` with every value (≥ MIN_SECRET_LENGTH) replaced, longest first so
 * a value containing another is masked whole. A value is also looked for
 * JSON-escaped, as a plugin echoing its JSON input prints it.
 */
export function maskValues(text: string, values: Iterable<string>): string {
  const forms = new Set<string>();
  for (const v of values) {
    if (typeof v !== 'string' || v.length < MIN_SECRET_LENGTH) continue;
    forms.add(v);
    const escaped = JSON.stringify(v).slice(1, -1);
    if (escaped !== v) forms.add(escaped);
  }
  let out = text;
  for (const form of [...forms].sort((a, b) => b.length - a.length)) out = out.split(form).join(MASK);
  return out;
}

/** `<scope>/<name>` with valid segments, else undefined (the argument is something else). */
export function refFromArg(arg: string | undefined): BucketRef | undefined {
  if (!arg) return undefined;
  const parts = arg.split('/');
  if (parts.length !== 2) return undefined;
  const [scope, name] = parts as [string, string];
  try {
    assertSegment(scope, 'scope');
    assertSegment(name, 'name');
  } catch {
    return undefined;
  }
  return { scope, name };
}

export interface Redactor {
  /**
   * `text` masked with the buckets of `ref` and any `extra` values. When the
   * buckets cannot be read the text is withheld: unmasked is not an option.
   */
  mask(text: string, ref: BucketRef | undefined, extra?: Iterable<string>): Promise<string>;
  /** A plugin's result with its human-facing text masked: stderr, the envelope's error, and stdout when it is not an envelope. */
  result<R extends RunResult>(result: R, ref: BucketRef | undefined): Promise<R>;
}

/** Reads buckets through the config service; `undefined` when the module runs without one (nothing to mask). */
export function createRedactor(config: () => ConfigService | undefined, log?: Logger): Redactor {
  async function valuesOf(ref: BucketRef | undefined): Promise<string[]> {
    const svc = config();
    // An unscoped resource has no buckets.
    if (!ref || !ref.scope || !svc) return [];
    const [scoped, app] = await Promise.all([svc.bucket(ref.scope), svc.bucket(ref.scope, ref.name)]);
    return [...Object.values(scoped), ...Object.values(app)];
  }
  const redactor: Redactor = {
    async mask(text, ref, extra = []) {
      let values: string[];
      try {
        values = await valuesOf(ref);
      } catch (err) {
        log?.warn(`plugin output about ${ref!.scope}/${ref!.name} withheld: its config could not be read to mask it: ${messageOf(err)}`);
        return `(output withheld: the config of ${ref!.scope}/${ref!.name} could not be read to mask its values)`;
      }
      return maskValues(text, [...values, ...extra]);
    },
    async result(result, ref) {
      if (!ref) return result;
      const stderr = await redactor.mask(result.stderr, ref);
      const stdout = result.envelope ? result.stdout : await redactor.mask(result.stdout, ref);
      const envelope = result.envelope?.error !== undefined ? { ...result.envelope, error: await redactor.mask(result.envelope.error, ref) } : result.envelope;
      return { ...result, stderr, stdout, ...(envelope ? { envelope } : {}) };
    },
  };
  return redactor;
}
