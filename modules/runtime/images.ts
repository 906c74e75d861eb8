/**
 * Images: local first, pull only when missing (there is no pull policy; `docker run` pulls what is absent). Concurrent asks for
 * one image share one pull, as replicas of a deployment start together.
 */
import type Docker from 'dockerode';
import type { Readable } from 'node:stream';
import { NotFoundError, TransientError } from '../../lib/errors.js';
import { engineReason, isUnreachable, statusOf, unreachableError } from './engine-errors.js';
import { LineSplitter } from './events.js';

export class Images {
  readonly #docker: Docker;
  readonly #socketPath: string;
  readonly #pulls = new Map<string, Promise<string>>();

  constructor(docker: Docker, socketPath: string) {
    this.#docker = docker;
    this.#socketPath = socketPath;
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
    let stream: Readable;
    try {
      stream = (await this.#docker.pull(image)) as Readable;
    } catch (err) {
      if (isUnreachable(err)) throw unreachableError(this.#socketPath, err);
      throw failed(engineReason(err), err, statusOf(err) === 404);
    }
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
      stream.on('data', (c: Buffer) => lines.push(c));
      stream.once('end', () => {
        lines.end();
        resolve(firstError);
      });
      stream.once('error', reject);
    }).catch((err: unknown) => engineReason(err));
    if (error) throw failed(error);
    const id = await this.id(image);
    if (!id) throw failed('the engine reported success but the image is still not there');
    return id;
  }
}
