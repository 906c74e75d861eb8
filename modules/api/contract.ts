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
  /** Who the gate let in. */
  principal: Principal;
  /**
   * One line of progress of long work, for a client that asked for it
   * with `Accept: application/x-ndjson`: the answer then streams
   * `{"progress": "<line>"}` lines as they come and ends with the envelope
   * as its last line (its `code` field carries the status an error would
   * have had, the HTTP status being 200 once streaming began). A no-op for
   * every other client, and on raw routes.
   */
  progress(line: string): void;
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
  /**
   * Progress of long work, answered as enveloped routes answer it: to a
   * client that accepts NDJSON, `{"progress": line}` lines as they come
   * (and a heartbeat line in long silences), then the envelope as the last
   * line; to any other, the envelope alone, with its status, at `finish`.
   */
  progress(): RawProgress;
}

export interface RawProgress {
  line(text: string): void;
  finish(status: number, envelope: Record<string, unknown>): void;
}

export type ApiHandler = (req: ApiRequest) => Promise<unknown> | unknown;
export type RawHandler = (req: ApiRequest, raw: RawContext) => Promise<void> | void;

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * Who is calling (docs/security.md). `admin` holds the API token; `plugin`
 * and `pod` hold a capability minted for them; `anonymous` holds nothing.
 */
export type Principal =
  | { kind: 'admin' }
  | { kind: 'anonymous' }
  | ({ kind: 'plugin' } & PluginGrant)
  | ({ kind: 'pod' } & PodGrant);

/** What one plugin invocation's capability names: the plugin it runs. */
export interface PluginGrant {
  plugin: string;
}

/** What a pod's capability names: the pod, its scope, and the plugin that produced its resource (if any). */
export interface PodGrant {
  scope: string;
  pod: string;
  plugin?: string;
}

/** The parts of a request an access rule may look at. `body()` reads (once) the JSON body of an enveloped route. */
export interface AccessRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: Record<string, string>;
  body(): Promise<unknown>;
}

/**
 * Who besides the API token holder may call a route. Nothing given means
 * the token only: every route is closed to capabilities unless it opens
 * itself here, next to its handler.
 */
export interface RouteAccess {
  /** Answered with no credential at all (health checks, readiness). */
  public?: boolean;
  /**
   * Answered with no credential to a caller on this host's loopback
   * (127.0.0.0/8, ::1) on the main listener — a Prometheus agent on the
   * host, say. From anywhere else, and on the pod listener, the token is
   * needed as for any route.
   */
  loopback?: boolean;
  /** A plugin invocation's capability may call it; a function narrows which calls. */
  plugin?: true | ((req: AccessRequest, grant: PluginGrant) => boolean | Promise<boolean>);
  /** A pod's capability may call it when the function says so. */
  pod?: (req: AccessRequest, grant: PodGrant) => boolean | Promise<boolean>;
  /** Body content types accepted besides `application/json` (a streamed upload, say). */
  bodyTypes?: string[];
}

/** Routes a plugin invocation needs: reading manifests and config, and the effects its actions have. */
export const OPEN_TO_PLUGINS: RouteAccess = Object.freeze({ plugin: true });

export interface RouteInfo {
  method: HttpMethod;
  path: string;
  raw: boolean;
  access: RouteAccess;
}

/** A capability minted for one plugin invocation: its URL prefix works until revoked or expired. */
export interface Capability {
  /** `http://127.0.0.1:<port>/cap/<token>`: the `controller_url` handed to the plugin. */
  url: string;
  revoke(): void;
}

/** The second listener, for pods (see the `pod-api` module). */
export interface PodListenerOptions {
  host: string;
  port: number;
  /** The grant a pod token stands for, or undefined when it is unknown or revoked. `remote` is the caller's address. */
  resolve(token: string, remote: string): Promise<PodGrant | undefined>;
  /** Host header values accepted besides the bind address and host.docker.internal. */
  hosts?: string[];
  /** The container calling from `remote`, to name it in the log when its token is refused. */
  nameOf?(remote: string): Promise<string | undefined>;
}

export interface Api {
  route(method: HttpMethod, path: string, handler: ApiHandler, access?: RouteAccess): void;
  /** The handler owns the response: streaming logs, hijacked exec (`claimUpgrade`), non-enveloped answers. */
  raw(method: HttpMethod, path: string, handler: RawHandler, access?: RouteAccess): void;
  /** `reply(201, data)` from a handler sets the status of an enveloped answer. */
  reply(statusCode: number, data: unknown): ApiReply;
  /** Where the server listens, once started. */
  address(): { host: string; port: number; url: string };
  /** Every registered route and who may call it. */
  routes(): RouteInfo[];
  /** A capability URL for one plugin invocation, dead after `ttlMs` at the latest. */
  mintPluginCapability(plugin: string, ttlMs: number): Capability;
  /** Opens the pod listener; pods reach `<url>/pod/<token>/…`. */
  servePods(options: PodListenerOptions): Promise<{ url: string }>;
  /**
   * A dependency `/health` reports on (`etcd`, `docker`): the check resolves
   * when it answers, and is given up on after 1.5 s. A failing one turns
   * `/health` into `503 degraded`, naming it and since when.
   */
  healthCheck(dependency: string, check: (signal: AbortSignal) => Promise<void>): void;
}

declare module '../../kernel/services.js' {
  interface ServiceMap {
    api: Api;
  }
}
