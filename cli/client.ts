/**
 * Talks to the controller's HTTP API. Answers arrive in the
 * `{status, data, error}` envelope; errors come back as CliError with the
 * controller's own message.
 */
import { versionString } from '../lib/build-info.js';

export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Default 30 s (spec plugins-and-cli §3.12); 0 = none. */
  timeoutMs?: number;
}

export class ControllerClient {
  readonly baseUrl: string;
  readonly #token: string | undefined;

  constructor(baseUrl: string, token?: string) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.#token = token;
  }

  url(path: string, query?: RequestOptions['query']): string {
    const u = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    return u.toString();
  }

  /** Raw fetch with the CLI's headers and a clear message when the controller is unreachable. */
  async fetch(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { 'user-agent': `voodu-cli/${versionString().split(' ')[0]}` };
    if (this.#token) headers.authorization = `Bearer ${this.#token}`;
    let body: string | undefined;
    if (opts.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.body);
    }
    const timeoutMs = opts.timeoutMs ?? 30_000;
    try {
      return await fetch(this.url(path, opts.query), {
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
        ...(timeoutMs > 0 ? { signal: AbortSignal.timeout(timeoutMs) } : {}),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (err as Error).message;
      if ((err as Error).name === 'TimeoutError') {
        throw new CliError(`controller at ${this.baseUrl} did not answer within ${timeoutMs / 1000} s`);
      }
      throw new CliError(
        `controller at ${this.baseUrl} is unreachable (${why}); is voodu-controller running? (set --controller-url or VOODU_CONTROLLER_URL to reach another one)`,
      );
    }
  }

  /** JSON request; returns the parsed body (enveloped or not). Non-2xx → CliError with the envelope's error. */
  async request<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const res = await this.fetch(method, path, opts);
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!res.ok) {
      const message = (parsed as { error?: string } | undefined)?.error;
      throw new CliError(message || (text ? `controller returned ${res.status}: ${text}` : `controller returned ${res.status} (empty body)`));
    }
    return parsed as T;
  }

  /** The `data` of an enveloped answer. */
  async data<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const body = await this.request<{ data?: T }>(method, path, opts);
    return body?.data as T;
  }
}
