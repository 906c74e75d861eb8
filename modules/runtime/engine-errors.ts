/**
 * Turns what docker-modem rejects with into the kernel's typed errors, so
 * callers branch on a class and the api answers with the right status
 * without knowing anything about the engine.
 */
import { ConflictError, NotFoundError, TransientError, ValidationError, VooduError, messageOf } from '../../lib/errors.js';

/** The socket-level failures that mean "the engine is not there (yet)". */
const UNREACHABLE = new Set(['ENOENT', 'ECONNREFUSED', 'EACCES', 'EPERM', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTSOCK']);

export function statusOf(err: unknown): number | undefined {
  const code = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

/** The engine's own sentence, without docker-modem's `(HTTP code 404) no such container - ` prefix. */
export function engineReason(err: unknown): string {
  const json = (err as { json?: unknown } | null)?.json;
  if (json && typeof json === 'object' && typeof (json as { message?: unknown }).message === 'string') {
    return (json as { message: string }).message.trim();
  }
  if (typeof json === 'string' && json.trim()) return json.trim();
  if (Buffer.isBuffer(json) && json.length) return json.toString('utf8').trim();
  return messageOf(err).replace(/^\(HTTP code \d+\) [^-]*- /, '').trim();
}

export function isUnreachable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && UNREACHABLE.has(code);
}

/** Why the engine could not be reached, and what to do about it: the message an operator sees first. */
export function unreachableError(socketPath: string, err: unknown): TransientError {
  const code = (err as { code?: unknown } | null)?.code;
  const hint =
    code === 'EACCES' || code === 'EPERM'
      ? `permission denied on ${socketPath}: run as root or add this user to the "docker" group`
      : `start dockerd (e.g. \`sudo systemctl start docker\`) or install and start it with \`sudo bash scripts/setup\``;
  return new TransientError(`Docker engine not reachable at unix://${socketPath} (${messageOf(err)}); ${hint}`, {
    cause: err,
  });
}

/**
 * Wraps an engine failure. `what` names the operation and its subject
 * (`start container "web"`) so a log line alone says what broke.
 */
export function mapEngineError(err: unknown, what: string, socketPath: string): Error {
  if (err instanceof VooduError) return err;
  if (isUnreachable(err)) return unreachableError(socketPath, err);
  const status = statusOf(err);
  const reason = engineReason(err);
  const message = `${what}: ${reason}`;
  switch (status) {
    case 400:
      return new ValidationError(message, { cause: err });
    case 404:
      return new NotFoundError(message, { cause: err });
    case 409:
      return new ConflictError(message, { cause: err });
    case 503:
      return new TransientError(message, { cause: err });
    default:
      return new VooduError(message, { cause: err });
  }
}
