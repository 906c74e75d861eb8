/**
 * The `api` service: modules register their HTTP routes here. A handler
 * returns the `data` of the `{status, data, error}` envelope, or throws a
 * typed kernel error (mapped to its HTTP status). Streaming handlers take
 * the raw response instead.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';

export interface ApiRequest {
  method: string;
  path: string;
  /** Route parameters (`/pods/:name` → `params.name`), percent-decoded. */
  params: Record<string, string>;
  /** Query string; repeated keys keep the last value. */
  query: Record<string, string>;
  /** Parsed JSON body (undefined when none). Capped at the api's body limit. */
  body: unknown;
  headers: IncomingHttpHeaders;
}

/** Answer with a status other than 200, still enveloped. */
export interface ApiReply {
  statusCode: number;
  data: unknown;
}

export type ApiHandler = (req: ApiRequest) => Promise<unknown> | unknown;
export type RawHandler = (req: ApiRequest, raw: { req: IncomingMessage; res: ServerResponse }) => Promise<void> | void;

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface Api {
  route(method: HttpMethod, path: string, handler: ApiHandler): void;
  /** The handler owns the response: streaming logs, hijacked exec, non-enveloped answers. */
  raw(method: HttpMethod, path: string, handler: RawHandler): void;
  /** `reply(201, data)` from a handler sets the status of an enveloped answer. */
  reply(statusCode: number, data: unknown): ApiReply;
  /** Where the server listens, once started. */
  address(): { host: string; port: number; url: string };
}

declare module '../../kernel/services.js' {
  interface ServiceMap {
    api: Api;
  }
}
