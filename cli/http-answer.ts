/**
 * One HTTP exchange over node:http, answered in the shape of a fetch
 * `Response` (the part the CLI reads). Why not fetch: the CLI is a process
 * per command, and the first fetch costs it ~0.2 s — undici's JavaScript
 * loaded, its WebAssembly HTTP parser compiled, and the process waiting at
 * exit for V8's background compilation of that parser — against ~0.01 s
 * for node:http. A no-op `voodu apply` is mostly that cost.
 */
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';

/** The answer's body: its bytes as they come; `cancel()` drops the rest. */
export type AnswerBody = AsyncIterable<Uint8Array> & { cancel(): Promise<void> };

export interface HttpAnswer {
  readonly status: number;
  readonly ok: boolean;
  readonly headers: { get(name: string): string | null };
  /** Null once `text()` or `json()` took it. */
  readonly body: AnswerBody | null;
  text(): Promise<string>;
  json(): Promise<unknown>;
}

/** A body sent as it is read (a build context): never held whole. */
export interface StreamedBody {
  stream: Readable;
  /** Bytes it will yield: sent as Content-Length, so the server can refuse an oversized one before reading it. */
  length: number;
  contentType: string;
}

export interface HttpExchange {
  method: string;
  headers: Record<string, string>;
  body?: string | StreamedBody;
  signal?: AbortSignal;
}

/** Sends the request; resolves once the status line and headers are in. Errors carry node's `code` (ECONNREFUSED…). */
export async function exchange(url: URL, ex: HttpExchange): Promise<HttpAnswer> {
  const { request } = url.protocol === 'https:' ? await import('node:https') : await import('node:http');
  const streamed = typeof ex.body === 'object' ? ex.body : undefined;
  const text = typeof ex.body === 'string' ? ex.body : undefined;
  const length = streamed ? streamed.length : text !== undefined ? Buffer.byteLength(text) : undefined;
  const headers = {
    ...ex.headers,
    ...(length !== undefined ? { 'content-length': String(length) } : {}),
    ...(streamed ? { 'content-type': streamed.contentType } : {}),
  };
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(url, { method: ex.method, headers, ...(ex.signal ? { signal: ex.signal } : {}) }, resolve);
    req.on('error', (err) => reject(ex.signal?.aborted ? (ex.signal.reason as Error) : err));
    if (!streamed) return req.end(text);
    // The server may answer (a refusal) before the body is all sent: the answer wins, the rest is dropped.
    streamed.stream.once('error', (err) => req.destroy(err));
    streamed.stream.pipe(req);
  });
  return answerOf(res, ex.signal);
}

function answerOf(res: IncomingMessage, signal: AbortSignal | undefined): HttpAnswer {
  const status = res.statusCode ?? 0;
  let taken = false;
  const body: AnswerBody = Object.assign(streamOf(res, signal), {
    cancel: async () => {
      res.destroy();
    },
  });
  const readAll = async (): Promise<string> => {
    taken = true;
    const chunks: Buffer[] = [];
    for await (const chunk of streamOf(res, signal)) chunks.push(Buffer.from(chunk));
    return Buffer.concat(chunks).toString('utf8');
  };
  return {
    status,
    ok: status >= 200 && status < 300,
    headers: {
      get: (name) => {
        const v = res.headers[name.toLowerCase()];
        return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
      },
    },
    get body() {
      return taken ? null : body;
    },
    text: readAll,
    json: async () => JSON.parse(await readAll()) as unknown,
  };
}

/** The message's bytes; an abort mid-body ends the iteration with the signal's reason, as fetch does. */
async function* streamOf(res: IncomingMessage, signal: AbortSignal | undefined): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of res) yield chunk as Buffer;
  } catch (err) {
    throw signal?.aborted ? (signal.reason as Error) : err;
  }
}
