/**
 * Container logs as a chunked `text/plain` answer: one pod's stdout and
 * stderr interleaved as they come, or several pods' lines each prefixed
 * `[<pod>] `. The answer ends when every log has ended; a client that goes
 * away closes the engine streams behind it, so a forgotten `logs -f` holds
 * nothing open.
 */
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { LogOptions, LogStream, Runtime } from '../runtime/contract.js';

const HEADERS = {
  'content-type': 'text/plain; charset=utf-8',
  'cache-control': 'no-cache',
  'x-content-type-options': 'nosniff',
};

export async function streamOne(runtime: Runtime, pod: string, options: LogOptions, res: ServerResponse): Promise<void> {
  const log = await runtime.logs(pod, options);
  res.writeHead(200, HEADERS);
  res.flushHeaders(); // a quiet `-f` still shows the client it is connected
  await pump(res, [log], (_pod, _which, chunk) => chunk ?? '');
}

export async function streamMany(runtime: Runtime, pods: string[], options: LogOptions, res: ServerResponse): Promise<void> {
  const opened = await Promise.all(
    pods.map((pod) =>
      runtime.logs(pod, options).then(
        (log) => ({ pod, log }),
        () => undefined, // removed since the listing: nothing to tail
      ),
    ),
  );
  const live = opened.filter((o): o is { pod: string; log: LogStream } => o !== undefined);
  res.writeHead(200, { ...HEADERS, 'x-voodu-containers': live.map((o) => o.pod).join(',') });
  res.flushHeaders();
  const splitters = new Map<string, LinePrefixer>();
  await pump(
    res,
    live.map((o) => o.log),
    (i, which, chunk) => {
      const key = `${i}:${which}`;
      let s = splitters.get(key);
      if (!s) splitters.set(key, (s = new LinePrefixer(`[${live[i]!.pod}] `)));
      return chunk === null ? s.flush() : s.push(chunk);
    },
  );
}

/**
 * Copies every log's two streams into `res` with backpressure, until all
 * have ended or the client is gone. `map(source, stream, chunk)` turns a
 * chunk into what is written; it is called with `null` once at each end.
 */
async function pump(
  res: ServerResponse,
  logs: LogStream[],
  map: (source: number, which: 'out' | 'err', chunk: Buffer | null) => Buffer | string,
): Promise<void> {
  const streams: { source: number; which: 'out' | 'err'; stream: Readable }[] = logs.flatMap((log, source) => [
    { source, which: 'out' as const, stream: log.stdout },
    { source, which: 'err' as const, stream: log.stderr },
  ]);
  let waiting = false;
  const write = (data: Buffer | string) => {
    if (data.length === 0 || res.destroyed) return;
    if (!res.write(data) && !waiting) {
      waiting = true;
      for (const s of streams) s.stream.pause();
      res.once('drain', () => {
        waiting = false;
        for (const s of streams) s.stream.resume();
      });
    }
  };
  const ended = streams.map(({ source, which, stream }) => {
    stream.on('data', (chunk: Buffer) => write(map(source, which, chunk)));
    return once(stream, 'end').then(
      () => write(map(source, which, null)),
      () => undefined,
    );
  });
  const gone = once(res, 'close');
  try {
    await Promise.race([Promise.all(ended), gone]);
  } finally {
    for (const log of logs) log.close();
    if (!res.destroyed) res.end();
  }
}

/** Splits a byte stream into lines and prefixes each; a last line without newline is completed at the end. */
export class LinePrefixer {
  readonly #prefix: string;
  // A chunk may end inside a multi-byte character: decode across chunks.
  readonly #decoder = new StringDecoder('utf8');
  #partial = '';

  constructor(prefix: string) {
    this.#prefix = prefix;
  }

  push(chunk: Buffer): string {
    const text = this.#partial + this.#decoder.write(chunk);
    const cut = text.lastIndexOf('\n');
    if (cut < 0) {
      this.#partial = text;
      return '';
    }
    this.#partial = text.slice(cut + 1);
    return text
      .slice(0, cut + 1)
      .split(/(?<=\n)/)
      .map((line) => this.#prefix + line)
      .join('');
  }

  flush(): string {
    const rest = this.#partial + this.#decoder.end();
    this.#partial = '';
    return rest ? `${this.#prefix}${rest}\n` : '';
  }
}
