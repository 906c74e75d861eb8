/**
 * Images: local first, pull only when missing (there is no pull policy; `docker run` pulls what is absent). Concurrent asks for
 * one image share one pull, as replicas of a deployment start together.
 *
 * A pull has two deadlines, because a stuck registry would otherwise hold a reconcile worker for ever (and a few of them,
 * every repair on the host): no progress line for `stallMs` (default 60 s), or `timeoutMs` in all (default 15 min). Past
 * either the pull is cancelled (the engine stops when its client goes) and fails as transient: the reconcile retries later.
 */
import type Docker from 'dockerode';
import type { Readable } from 'node:stream';
import { NotFoundError, TransientError, messageOf } from '../../lib/errors.js';
import { engineReason, isUnreachable, statusOf, unreachableError } from './engine-errors.js';
import { LineSplitter } from './events.js';

export class Images {
  readonly #docker: Docker;
  readonly #socketPath: string;
  readonly #pulls = new Map<string, Promise<string>>();
  readonly #stallMs: number;
  readonly #timeoutMs: number;

  constructor(docker: Docker, socketPath: string, deadlines: { stallMs?: number; timeoutMs?: number } = {}) {
    this.#docker = docker;
    this.#socketPath = socketPath;
    this.#stallMs = deadlines.stallMs ?? 60_000;
    this.#timeoutMs = deadlines.timeoutMs ?? 900_000;
  }

  async id(image: string): Promise<string | undefined> {
    try {
      return (await this.#docker.getImage(image).inspect()).Id;
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      if (isUnreachable(err)) throw unreachableError(this.#socketPath, err);
      throw err;
    }
  }

  async ensure(image: string): Promise<{ id: string; pulled: boolean }> {
    const local = await this.id(image);
    if (local) return { id: local, pulled: false };
    let pull = this.#pulls.get(image);
    if (!pull) {
      pull = this.#pull(image).finally(() => this.#pulls.delete(image));
      this.#pulls.set(image, pull);
    }
    return { id: await pull, pulled: true };
  }

  async #pull(image: string): Promise<string> {
    const failed = (reason: string, cause?: unknown, notFound = false) => {
      const message = `image "${image}" is not present locally and the pull failed: ${reason}`;
      // A repository the registry does not know will not appear by retrying; a network failure might go away.
      return notFound ? new NotFoundError(message, { cause }) : new TransientError(message, { cause });
    };
    const started = Date.now();
    const abort = new AbortController();
    const overall = setTimeout(() => abort.abort(new Error(`still going after ${this.#timeoutMs / 1000} s`)), this.#timeoutMs);
    let stall: NodeJS.Timeout | undefined;
    const armStall = () => {
      clearTimeout(stall);
      stall = setTimeout(() => abort.abort(new Error(`no progress for ${this.#stallMs / 1000} s`)), this.#stallMs);
    };
    armStall();
    try {
      return await this.#pullWithin(image, abort.signal, armStall, failed);
    } catch (err) {
      if (!abort.signal.aborted) throw err;
      const why = messageOf(abort.signal.reason);
      throw failed(`${why} (gave up after ${((Date.now() - started) / 1000).toFixed(1)} s; it is retried on the next reconcile)`, err);
    } finally {
      clearTimeout(overall);
      clearTimeout(stall);
    }
  }

  async #pullWithin(image: string, signal: AbortSignal, progressed: () => void, failed: (reason: string, cause?: unknown, notFound?: boolean) => Error): Promise<string> {
    let stream: Readable;
    try {
      stream = (await this.#docker.pull(image, { abortSignal: signal })) as Readable;
    } catch (err) {
      if (signal.aborted) throw err;
      if (isUnreachable(err)) throw unreachableError(this.#socketPath, err);
      throw failed(engineReason(err), err, statusOf(err) === 404);
    }
    progressed();
    // The engine answers 200 and reports a failed pull inside the progress stream, so read it to the end.
    const error = await new Promise<string | undefined>((resolve, reject) => {
      let firstError: string | undefined;
      const lines = new LineSplitter((line) => {
        try {
          const msg = JSON.parse(line) as { error?: string; errorDetail?: { message?: string } };
          if (!firstError && (msg.error || msg.errorDetail?.message)) firstError = msg.errorDetail?.message ?? msg.error;
        } catch {
          // Progress lines are not ours to validate.
        }
      });
      stream.on('data', (c: Buffer) => {
        progressed();
        lines.push(c);
      });
      stream.once('end', () => {
        lines.end();
        resolve(firstError);
      });
      stream.once('error', reject);
      const onAbort = () => {
        stream.destroy();
        reject(signal.reason);
      };
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    }).catch((err: unknown) => {
      if (signal.aborted) throw err;
      return engineReason(err);
    });
    if (error) throw failed(error);
    const id = await this.id(image);
    if (!id) throw failed('the engine reported success but the image is still not there');
    return id;
  }
}
