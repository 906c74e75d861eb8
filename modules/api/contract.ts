/**
 * The `api` service: modules register their HTTP routes here. A handler
 * returns the `data` of the `{status, data, error}` envelope, or throws a
 * typed kernel error (mapped to its HTTP status). Streaming handlers take
 * the raw response instead.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

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
  /**
   * Aborted when the client goes away before the answer is sent: long work
   * done for this request (a plugin subprocess, say) stops with it.
   */
  signal: AbortSignal;
}

/** Answer with a status other than 200, still enveloped. */
export interface ApiReply {
  statusCode: number;
  data: unknown;
}

/**
 * The connection of a `Connection: Upgrade` request, taken over from HTTP.
 * Until `accept` the api still answers a thrown error as an HTTP response
 * on the socket; after it, the socket and its errors are the handler's.
 */
export interface UpgradedConnection {
  socket: Duplex;
  /** Bytes the client sent after the request head: the body, then whatever followed it. */
  head: Buffer;
  /** Writes `101 UPGRADED` (`Upgrade: tcp`, docker's raw-stream content type) and hands the socket over. */
  accept(): void;
  readonly accepted: boolean;
}

export interface RawContext {
  req: IncomingMessage;
  res: ServerResponse;
  /**
   * Present only on requests sent with `Connection: Upgrade` (the only ones
   * whose socket can be taken over: node's parser owns every other one).
   */
  claimUpgrade?: () => UpgradedConnection;
}

export type ApiHandler = (req: ApiRequest) => Promise<unknown> | unknown;
export type RawHandler = (req: ApiRequest, raw: RawContext) => Promise<void> | void;

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface Api {
  route(method: HttpMethod, path: string, handler: ApiHandler): void;
  /** The handler owns the response: streaming logs, hijacked exec (`claimUpgrade`), non-enveloped answers. */
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
