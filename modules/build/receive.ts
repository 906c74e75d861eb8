/**
 * Receives a build context: the request body goes to a file under the app's
 * releases dir as it arrives (never whole in memory), counted against the
 * upload cap and hashed on the way. The build ID the client names is the
 * first 12 hex of that hash, so a context damaged or changed in transit is
 * refused before anything is built from it.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PayloadTooLargeError, ValidationError } from '../../lib/errors.js';

export interface Received {
  bytes: number;
  sha256: string;
  ms: number;
}

export async function receiveContext(body: Readable, file: string, options: { maxBytes: number; buildId: string; signal?: AbortSignal }): Promise<Received> {
  const started = Date.now();
  const declared = Number((body as { headers?: Record<string, unknown> }).headers?.['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > options.maxBytes) throw tooLarge(declared, options.maxBytes);
  const hash = createHash('sha256');
  let bytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > options.maxBytes) return done(tooLarge(bytes, options.maxBytes));
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(body, meter, createWriteStream(file, { mode: 0o600 }), ...(options.signal ? [{ signal: options.signal }] : []));
  } catch (err) {
    await rm(file, { force: true });
    throw err;
  }
  const sha256 = hash.digest('hex');
  if (!sha256.startsWith(options.buildId)) {
    await rm(file, { force: true });
    throw new ValidationError(
      `the uploaded context hashes to ${sha256.slice(0, 12)}, not the build ID ${options.buildId} it was sent as; did the files change while it was sent? run the apply again`,
      { field: 'id' },
    );
  }
  if (bytes === 0) {
    await rm(file, { force: true });
    throw new ValidationError('the build context is empty: send the tar of the context directory as the body', { field: 'body' });
  }
  return { bytes, sha256, ms: Date.now() - started };
}

const mib = (n: number) => `${(n / (1024 * 1024)).toFixed(1)} MiB`;

function tooLarge(bytes: number, limit: number): PayloadTooLargeError {
  return new PayloadTooLargeError(
    `the build context is ${mib(bytes)}, over the controller's ${mib(limit)} limit; leave out what the image does not need with a .dockerignore (or raise the build module's maxContextBytes)`,
  );
}
