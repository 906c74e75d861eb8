/**
 * Typed errors shared by every module. Each carries the HTTP status the api
 * module answers with, so a module throws what went wrong and never thinks
 * about transport. `TransientError` is the one the reconciler retries.
 */
export class VooduError extends Error {
  /** HTTP status the api module maps this error to. */
  readonly status: number = 500;
  /** Stable machine-readable code, e.g. `validation`, `not_found`. */
  readonly code: string = 'internal';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad input: the message names the field and what is accepted. → 400 */
export class ValidationError extends VooduError {
  override readonly status = 400;
  override readonly code = 'validation';
  /** The offending field, when there is one (`spec.replicas`, `query.scope`). */
  readonly field?: string;

  constructor(message: string, options?: { field?: string; cause?: unknown }) {
    super(message, options);
    if (options?.field !== undefined) this.field = options.field;
  }
}

/** The named thing does not exist. → 404 */
export class NotFoundError extends VooduError {
  override readonly status = 404;
  override readonly code = 'not_found';
}

/** The request collides with existing state (duplicate, stale revision). → 409 */
export class ConflictError extends VooduError {
  override readonly status = 409;
  override readonly code = 'conflict';
}

/** Worth retrying: the world was briefly not as needed (etcd down, image pull). → 503 */
export class TransientError extends VooduError {
  override readonly status = 503;
  override readonly code = 'transient';
}

/** The request body is larger than the controller accepts. → 413 */
export class PayloadTooLargeError extends VooduError {
  override readonly status = 413;
  override readonly code = 'payload_too_large';
}

/** HTTP status for any thrown value: typed errors keep theirs, the rest are 500. */
/**
 * The HTTP status of a thrown value. A community module written in plain
 * JavaScript cannot import our classes, so any error carrying a numeric
 * 4xx/5xx `status` is taken at its word too.
 */
export function statusOf(err: unknown): number {
  if (err instanceof VooduError) return err.status;
  const status = (err as { status?: unknown } | null)?.status;
  return typeof status === 'number' && Number.isInteger(status) && status >= 400 && status < 600 ? status : 500;
}

/** Retried by the reconciler: a TransientError, or (from plain-JS modules) any error with `code: 'transient'`. */
export function isTransient(err: unknown): boolean {
  return err instanceof TransientError || (err as { code?: unknown } | null)?.code === 'transient';
}

/** A readable message for any thrown value (strings included: some libraries reject with them). */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err);
  } catch {
    return String(err);
  }
}
