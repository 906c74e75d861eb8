/**
 * Talks to the controller's HTTP API. Answers arrive in the
 * `{status, data, error}` envelope; errors come back as CliError with the
 * controller's own message.
 */
import type { Duplex } from 'node:stream';
import { versionString } from '../lib/build-info.js';
import { exchange, type HttpAnswer, type StreamedBody } from './http-answer.js';
import type { TokenLookup } from './token.js';

export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** The controller's error message from a failed answer's body (`{error}`), else a status line with the text. */
export function controllerError(status: number | undefined, text: string): CliError {
  let message: string | undefined;
  try {
    message = (JSON.parse(text) as { error?: string }).error;
  } catch {
    message = undefined;
  }
  return new CliError(message || `controller returned ${status}${text ? `: ${text}` : ' (empty body)'}`);
}

/** A whole JSON answer: its parsed body (undefined when empty or not JSON); non-2xx → CliError with the envelope's error. */
async function readJsonAnswer<T>(res: HttpAnswer): Promise<T> {
  const text = await res.text();
  if (!res.ok) throw controllerError(res.status, text);
  try {
    return (text ? JSON.parse(text) : undefined) as T;
  } catch {
    return undefined as T;
  }
}

/** Reads a failed response's body and turns it into a CliError (see `controllerError`). */
export async function failureOf(res: HttpAnswer): Promise<CliError> {
  return controllerError(res.status, await res.text());
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Default 30 s; 0 = none. */
  timeoutMs?: number;
  /** Aborts the request (and its body) when it fires, e.g. a header-only deadline. */
  signal?: AbortSignal;
  /** The Accept header (default none: the controller answers JSON). */
  accept?: string;
  /** A body streamed as read (instead of `body`'s JSON). */
  upload?: StreamedBody;
}

export class ControllerClient {
  readonly baseUrl: string;
  readonly #token: string | undefined;
  /** Why there is no token, said with a 401 instead of the bare refusal. */
  readonly tokenProblem: string | undefined;

  constructor(baseUrl: string, auth: string | TokenLookup = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    const lookup = typeof auth === 'string' ? { token: auth } : auth;
    this.#token = lookup.token;
    this.tokenProblem = lookup.problem;
  }

  get hasToken(): boolean {
    return this.#token !== undefined;
  }

  /** A 401 while the CLI could not read its token: say why, that is the fix. */
  #unauthorized(): CliError {
    return new CliError(`the controller at ${this.baseUrl} requires its API token, and the CLI has none: ${this.tokenProblem}`);
  }

  url(path: string, query?: RequestOptions['query']): string {
    const u = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    return u.toString();
  }

  #headers(): Record<string, string> {
    const headers: Record<string, string> = { 'user-agent': `voodu-cli/${versionString().split(' ')[0]}` };
    if (this.#token) headers.authorization = `Bearer ${this.#token}`;
    return headers;
  }

  #unreachable(err: unknown): CliError {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? (err as { code?: string }).code ?? cause?.message ?? (err as Error).message;
    return new CliError(
      `controller at ${this.baseUrl} is unreachable (${why}); is voodu-controller running? (set --controller-url or VOODU_CONTROLLER_URL to reach another one)`,
    );
  }

  /** One request with the CLI's headers (node:http, see http-answer.ts) and a clear message when the controller is unreachable. */
  async fetch(method: string, path: string, opts: RequestOptions = {}): Promise<HttpAnswer> {
    const headers = this.#headers();
    if (opts.accept) headers.accept = opts.accept;
    let body: string | StreamedBody | undefined = opts.upload;
    if (opts.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.body);
    }
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const signals = [...(timeoutMs > 0 ? [AbortSignal.timeout(timeoutMs)] : []), ...(opts.signal ? [opts.signal] : [])];
    try {
      const res = await exchange(new URL(this.url(path, opts.query)), {
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
        ...(signals.length ? { signal: signals.length === 1 ? signals[0]! : AbortSignal.any(signals) } : {}),
      });
      if (res.status === 401 && !this.#token && this.tokenProblem) {
        await res.body?.cancel();
        throw this.#unauthorized();
      }
      return res;
    } catch (err) {
      if (err instanceof CliError) throw err;
      if ((err as Error).name === 'TimeoutError') {
        throw new CliError(`controller at ${this.baseUrl} did not answer within ${timeoutMs / 1000} s`);
      }
      throw this.#unreachable(err);
    }
  }

  /**
   * A request whose connection is taken over (exec): sent with `Connection:
   * Upgrade` / `Upgrade: tcp` and a JSON body. On `101` resolves with the raw
   * socket and any bytes that came with the answer; any other answer is a
   * CliError with the controller's message. No timeout: the stream lasts as
   * long as the remote command.
   */
  async upgrade(method: string, path: string, opts: Pick<RequestOptions, 'query' | 'body'> = {}): Promise<{ socket: Duplex; head: Buffer }> {
    const url = new URL(this.url(path, opts.query));
    const { request } = url.protocol === 'https:' ? await import('node:https') : await import('node:http');
    const body = JSON.stringify(opts.body ?? {});
    return new Promise((resolve, reject) => {
      const req = request(url, {
        method,
        headers: {
          ...this.#headers(),
          connection: 'Upgrade',
          upgrade: 'tcp',
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
        },
      });
      req.once('upgrade', (_res, socket, head) => resolve({ socket, head }));
      req.once('response', (res) => {
        if (res.statusCode === 401 && !this.#token && this.tokenProblem) {
          res.resume();
          reject(this.#unauthorized());
          return;
        }
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => reject(controllerError(res.statusCode, text)));
      });
      req.once('error', (err) => reject(this.#unreachable(err)));
      req.end(body);
    });
  }

  /** JSON request; returns the parsed body (enveloped or not). Non-2xx → CliError with the envelope's error. */
  async request<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    return readJsonAnswer<T>(await this.fetch(method, path, opts));
  }

  /**
   * Like `request`, but asks for progress (`Accept: application/x-ndjson`):
   * each `{"progress": line}` the controller streams is handed to
   * `onProgress` as it comes, and the envelope on the last line is the
   * answer (an error one, with its `code`, throws). A controller that
   * streams nothing answers a plain envelope, read as `request` would.
   */
  async requestWithProgress<T = unknown>(method: string, path: string, onProgress: (line: string) => void, opts: RequestOptions = {}): Promise<T> {
    const res = await this.fetch(method, path, { ...opts, accept: 'application/x-ndjson' });
    if (!String(res.headers.get('content-type') ?? '').includes('application/x-ndjson') || !res.body) return readJsonAnswer<T>(res);
    let last: { status?: string; error?: string } | undefined;
    let buffered = '';
    const take = (line: string) => {
      if (!line.trim()) return;
      let item: { progress?: unknown; status?: string; error?: string };
      try {
        item = JSON.parse(line) as typeof item;
      } catch {
        return;
      }
      if (typeof item.progress === 'string' && item.status === undefined) onProgress(item.progress);
      else last = item;
    };
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body) {
        const lines = (buffered + decoder.decode(chunk, { stream: true })).split('\n');
        buffered = lines.pop() ?? '';
        lines.forEach(take);
      }
    } catch (err) {
      throw new CliError(`the controller at ${this.baseUrl} stopped answering mid-way (${(err as Error).message}); the command may still be running there — check \`voodu describe\` or its logs`);
    }
    take(buffered);
    if (!last) throw new CliError(`the controller at ${this.baseUrl} ended the answer without a result; the command may still be running there`);
    if (last.status === 'error') throw new CliError(last.error || 'the controller reported an error without a message');
    return last as T;
  }

  /** The `data` of an enveloped answer. */
  async data<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const body = await this.request<{ data?: T }>(method, path, opts);
    return body?.data as T;
  }
}
