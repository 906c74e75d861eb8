/**
 * Image builds on the engine (`POST /build`, the classic builder): the
 * context arrives as a tar stream and goes to the engine as it comes, never
 * held whole. The engine answers 200 and reports a failed step inside its
 * progress stream, so the stream is read to its end: each line goes to the
 * caller as it arrives, the `Step N/M : …` lines mark where the build is,
 * and a failure leaves as a BuildFailedError naming that step with the tail
 * of the log.
 */
import type Docker from 'dockerode';
import type { Readable } from 'node:stream';
import { VooduError } from '../../lib/errors.js';
import type { ImageBuildOptions } from './contract.js';
import { LineSplitter } from './events.js';

/** Lines of the build log a failure carries. */
const TAIL_LINES = 20;

/** The Dockerfile (or a RUN in it) failed: the user's to fix, so a 422 naming the step. */
export class BuildFailedError extends VooduError {
  override readonly status = 422;
  constructor(
    message: string,
    readonly step: string | undefined,
    readonly tail: string[],
  ) {
    super(message);
  }
}

interface BuildLine {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

export async function buildImage(docker: Docker, context: Readable, options: ImageBuildOptions, onLine: (line: string) => void): Promise<{ imageId: string }> {
  const [first, ...more] = options.tags;
  if (!first) throw new VooduError('an image build needs at least one tag');
  const stream = (await docker.buildImage(context, {
    t: first,
    ...(options.dockerfile ? { dockerfile: options.dockerfile } : {}),
    ...(options.target ? { target: options.target } : {}),
    ...(options.args && Object.keys(options.args).length ? { buildargs: options.args } : {}),
    ...(options.labels ? { labels: options.labels } : {}),
    // Intermediate containers of a failed step go too: nothing of a build is left behind.
    rm: true,
    forcerm: true,
    ...(options.signal ? { abortSignal: options.signal } : {}),
  })) as Readable;

  const tail: string[] = [];
  let step: string | undefined;
  let failure: string | undefined;
  let imageId: string | undefined;
  const take = (text: string) => {
    for (const raw of text.split('\n')) {
      const line = raw.replace(/\r$/, '');
      if (!line.trim()) continue;
      const m = /^Step (\d+\/\d+) : (.*)$/.exec(line);
      if (m) step = `step ${m[1]} (${m[2]})`;
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      onLine(line);
    }
  };
  await new Promise<void>((resolve, reject) => {
    const lines = new LineSplitter((line) => {
      let msg: BuildLine;
      try {
        msg = JSON.parse(line) as BuildLine;
      } catch {
        return take(line);
      }
      if (msg.aux?.ID) imageId = msg.aux.ID;
      if (msg.stream) take(msg.stream);
      else if (msg.status) take(msg.status);
      const error = msg.errorDetail?.message ?? msg.error;
      if (error && !failure) {
        failure = error;
        take(error);
      }
    });
    stream.on('data', (c: Buffer) => lines.push(c));
    stream.once('end', () => {
      lines.end();
      resolve();
    });
    stream.once('error', reject);
  });
  if (failure) {
    throw new BuildFailedError(`the build failed${step ? ` at ${step}` : ''}: ${failure}`, step, tail);
  }
  const built = imageId ?? (await docker.getImage(first).inspect()).Id;
  for (const tag of more) {
    const at = tag.lastIndexOf(':');
    await docker.getImage(built).tag({ repo: tag.slice(0, at), tag: tag.slice(at + 1) });
  }
  return { imageId: built };
}
