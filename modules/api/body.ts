/**
 * Reads a JSON request body with a hard size cap. The cap is checked against
 * Content-Length before reading, and against the bytes actually received
 * while reading, so a lying or chunked client cannot get past it.
 */
import type { IncomingMessage } from 'node:http';
import { PayloadTooLargeError, ValidationError } from '../../lib/errors.js';

export function formatBytes(n: number): string {
  if (n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

function tooLarge(limit: number): PayloadTooLargeError {
  return new PayloadTooLargeError(`request body exceeds the ${formatBytes(limit)} limit (${limit} bytes); split the apply into smaller batches`);
}

export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume(); // drain so the connection can answer
    throw tooLarge(limit);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.resume();
      throw tooLarge(limit);
    }
    chunks.push(chunk);
  }
  if (size === 0) return undefined;
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    // Never echo the parser's message: it quotes the body, which may hold a secret.
    const at = /position (\d+)/.exec((err as Error).message)?.[1];
    throw new ValidationError(`request body is not valid JSON${at ? ` (error at byte ${at})` : ''}`, { field: 'body' });
  }
}
