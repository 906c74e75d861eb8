/**
 * The HTTP server behind the `api` service: restify with our envelope,
 * body cap, request log and the gate (gate.ts) in front of every route, on
 * the main listener and on the pods' one alike. Routes come from modules.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import restify from 'restify';
import { type Logger } from '../../kernel/index.js';
import { VooduError, messageOf, statusOf } from '../../lib/errors.js';
import { readJsonBody } from './body.js';
import { DependencyHealth } from './health.js';
import { PluginCapabilities } from './capabilities.js';
import type {
  Api,
  ApiHandler,
  ApiReply,
  ApiRequest,
  Capability,
  HttpMethod,
  PodListenerOptions,
  Principal,
  RawHandler,
  RouteAccess,
  RouteInfo,
} from './contract.js';
import { BODY, Gate, PRINCIPAL, type Decision, type Listener } from './gate.js';
import { RouteTable } from './route-table.js';
import { isUpgradeResponse, Upgrade } from './upgrade.js';

const REPLY = Symbol('voodu.reply');

export interface ServerOptions {
  host: string;
  port: number;
  maxBodyBytes: number;
  token: string;
  /** Named in 401 answers: where a caller finds the token. */
  tokenHint: string;
  /** Host header names accepted besides loopback and the listen address (--api-host). */
  hosts?: string[];
  log: Logger;
  /**
   * Told of every answered request: its method, the route pattern that
   * answered it (`/pods/:name`, never the URL, so the metrics it feeds stay
   * bounded; `unmatched` when no route did), the status and the seconds taken.
   */
  observe?: (method: string, route: string, status: number, seconds: number) => void;
}

const isWildcard = (host: string) => host === '0.0.0.0' || host === '::' || host === '';
const urlHost = (host: string) => (host.includes(':') ? `[${host}]` : host);

type RestifyHandler = (req: restify.Request, res: restify.Response, next: restify.Next) => void;

export class ApiServer implements Api {
  readonly #server: restify.Server;
  readonly #opts: ServerOptions;
  readonly #table = new RouteTable();
  readonly #capabilities = new PluginCapabilities();
  readonly #gate: Gate;
  readonly #main: Listener;
  /** Requests that came in on the pod listener, and its options. */
  readonly #podRequests = new WeakSet<IncomingMessage>();
  #pod: { server: Server; listener: Listener } | undefined;
  #ready = false;
  #address: { host: string; port: number; url: string } | undefined;

  constructor(opts: ServerOptions) {
    this.#opts = opts;
    this.#gate = new Gate({ table: this.#table, capabilities: this.#capabilities, token: opts.token, tokenHint: opts.tokenHint, maxBodyBytes: opts.maxBodyBytes, log: opts.log });
    const hosts = new Set(['localhost', ...(opts.hosts ?? []).map((h) => h.toLowerCase())]);
    if (!isWildcard(opts.host)) hosts.add(opts.host.toLowerCase());
    this.#main = { kind: 'main', hosts };
    this.#server = restify.createServer({ name: 'voodu-controller', handleUpgrades: true });
    this.#server.pre(this.#pre);
    // restify's own errors (404, 405, bad content) leave in our envelope too.
    this.#server.on('restifyError', (_req: restify.Request, _res: restify.Response, err: any, cb: () => void) => {
      const message = err?.body?.message ?? err?.message ?? 'error';
      err.toJSON = () => ({ status: 'error', error: message });
      cb();
    });
    this.#server.on('after', (req: restify.Request, res: restify.Response) => {
      const started = (req as any)._vooduStart as bigint | undefined;
      const ms = started ? Number(process.hrtime.bigint() - started) / 1e6 : 0;
      this.#opts.log.info(`${req.method} ${req.url} ${res.statusCode} ${ms.toFixed(1)}ms`);
      this.#opts.observe?.(req.method ?? 'GET', String(req.getRoute?.()?.path ?? 'unmatched'), res.statusCode, ms / 1000);
    });
  }

  /** Runs before routing: stamps the start time, asks the gate, holds requests until the controller is up. */
  #pre: RestifyHandler = (req, res, next) => {
    (req as any)._vooduStart = process.hrtime.bigint();
    const raw = req as unknown as IncomingMessage;
    const listener = this.#podRequests.has(raw) && this.#pod ? this.#pod.listener : this.#main;
    const proceed = (decision: Decision) => {
      if (!decision.ok) {
        res.send(decision.status, { status: 'error', error: decision.message });
        return next(false);
      }
      if (!this.#ready) {
        res.send(503, { status: 'error', error: 'controller is starting; retry in a moment' });
        return next(false);
      }
      next();
    };
    let decision: Decision | Promise<Decision>;
    try {
      decision = this.#gate.check(raw, listener, raw.socket?.remoteAddress ?? '?');
    } catch (err) {
      decision = Promise.reject(err);
    }
    if (!(decision instanceof Promise)) return proceed(decision);
    decision.then(proceed, (err) => {
      this.#opts.log.error(`gate: ${messageOf(err)}`);
      res.send(500, { status: 'error', error: 'the API gate failed; see the controller log' });
      next(false);
    });
  };

  route(method: HttpMethod, path: string, handler: ApiHandler, access?: RouteAccess): void {
    this.#table.add(method, path, false, access);
    this.#mount(method, path, async (req, res) => {
      let status = 200;
      let data: unknown;
      const stream = progressStream(req, res);
      try {
        const apiReq = await toApiRequest(req, res, this.#opts.maxBodyBytes, true, stream?.write);
        data = await handler(apiReq);
        if (isReply(data)) {
          status = data.statusCode;
          data = data.data;
        }
      } catch (err) {
        status = statusOf(err);
        if (status >= 500) this.#opts.log.error(`${req.method} ${req.url}: ${err instanceof Error ? err.stack ?? err.message : messageOf(err)}`);
        if (stream?.finish(status, { status: 'error', error: messageOf(err) })) return;
        res.send(status, { status: 'error', error: messageOf(err) });
        return;
      }
      const envelope = data === undefined ? { status: 'ok' } : { status: 'ok', data };
      if (stream?.finish(status, envelope)) return;
      res.send(status, envelope);
    });
  }

  raw(method: HttpMethod, path: string, handler: RawHandler, access?: RouteAccess): void {
    this.#table.add(method, path, true, access);
    this.#mount(method, path, async (req, res) => {
      const upgrade = isUpgradeResponse(res) ? new Upgrade(res) : undefined;
      try {
        await handler(await toApiRequest(req, res, this.#opts.maxBodyBytes, false), {
          req: req as unknown as IncomingMessage,
          res: res as unknown as ServerResponse,
          progress: () => {
            const stream = progressStream(req, res);
            return {
              line: (text) => stream?.write(text),
              finish: (status, envelope) => {
                if (!stream?.finish(status, envelope)) res.send(status, envelope);
              },
            };
          },
          ...(upgrade && { claimUpgrade: () => upgrade.claim() }),
        });
      } catch (err) {
        if (upgrade) upgrade.fail(statusOf(err), messageOf(err));
        else if (!res.headersSent) res.send(statusOf(err), { status: 'error', error: messageOf(err) });
        else res.end();
      }
      upgrade?.finish();
    });
  }

  reply(statusCode: number, data: unknown): ApiReply {
    return { statusCode, data, [REPLY]: true } as ApiReply;
  }

  address() {
    if (!this.#address) throw new VooduError('api is not listening yet');
    return this.#address;
  }

  routes(): RouteInfo[] {
    return this.#table.list();
  }

  /** Every route restify itself knows, for the test that proves none bypasses the table. */
  restifyRoutes(): Array<{ method: string; path: string }> {
    const info = this.#server.getDebugInfo() as { routes: Array<{ method: string; path: string }> };
    return info.routes.map((r) => ({ method: r.method.toUpperCase(), path: String(r.path) }));
  }

  mintPluginCapability(plugin: string, ttlMs: number): Capability {
    const { host, port } = this.address();
    // A wildcard bind is reached on loopback; a specific address as itself.
    const reach = isWildcard(host) ? '127.0.0.1' : urlHost(host);
    const { token, revoke } = this.#capabilities.mint({ plugin }, ttlMs);
    return { url: `http://${reach}:${port}/cap/${token}`, revoke };
  }

  readonly health = new DependencyHealth();

  healthCheck(dependency: string, check: (signal: AbortSignal) => Promise<void>): void {
    this.health.add(dependency, check);
  }

  async servePods(options: PodListenerOptions): Promise<{ url: string }> {
    if (this.#pod) throw new VooduError('the pod listener is already open');
    const server = createServer((req, res) => {
      this.#podRequests.add(req);
      // Same restify instance, same gate, same routes: only the listener differs.
      this.#server.server.emit('request', req, res);
    });
    const hosts = new Set(['host.docker.internal', options.host.toLowerCase(), ...(options.hosts ?? []).map((h) => h.toLowerCase())]);
    await listenOn(server, options.port, options.host, this.#opts.log);
    this.#pod = { server, listener: { kind: 'pod', hosts, pods: options } };
    this.health.add('pod-listener', async () => {
      if (!server.listening) throw new Error('the pod listener is closed');
    });
    const addr = server.address() as { address: string; port: number };
    return { url: `http://${urlHost(addr.address)}:${addr.port}` };
  }

  #mount(method: HttpMethod, path: string, run: (req: restify.Request, res: restify.Response) => Promise<void>) {
    const verb = ({ GET: 'get', POST: 'post', PUT: 'put', DELETE: 'del' } as const)[method];
    this.#server[verb](path, (req: restify.Request, res: restify.Response, next: restify.Next) => {
      run(req, res).then(
        () => next(),
        (err) => next(err),
      );
    });
  }

  async listen(): Promise<void> {
    const { host, port } = this.#opts;
    await listenOn(this.#server.server, port, host, this.#opts.log);
    const addr = this.#server.address() as { address: string; port: number };
    this.#address = { host: addr.address, port: addr.port, url: `http://${urlHost(addr.address)}:${addr.port}` };
  }

  markReady(): void {
    this.#ready = true;
  }

  async close(): Promise<void> {
    this.#ready = false;
    this.#capabilities.clear();
    const pod = this.#pod?.server;
    this.#pod = undefined;
    await Promise.all([
      new Promise<void>((resolve) => this.#server.close(() => resolve())),
      pod ? new Promise<void>((resolve) => pod.close(() => resolve())) : undefined,
    ]);
  }
}

/**
 * Listens; an error before listening (the port taken) rejects. Once up, an
 * error the server emits (EMFILE on accept when the process is out of file
 * descriptors) is logged, not thrown: with no listener node would crash the
 * controller for what is a passing shortage.
 */
function listenOn(server: Server, port: number, host: string, log: Logger): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.removeListener('error', onError);
      server.on('error', (err: NodeJS.ErrnoException) => log.error(`listener on ${host}:${port}: ${err.code ?? ''} ${err.message}; still serving`));
      resolve();
    });
  });
}

function isReply(value: unknown): value is ApiReply {
  return typeof value === 'object' && value !== null && REPLY in value;
}

/** Aborts when the response's connection closes before the response finished. */
function clientGone(res: restify.Response): AbortSignal {
  const ac = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) ac.abort(new Error('the client went away'));
  });
  return ac.signal;
}

const NDJSON = 'application/x-ndjson';

/** How often a streaming answer with no news sends an empty line, so no proxy or client idle timer (undici's: 300 s) ends it. */
const HEARTBEAT_MS = 30_000;

interface ProgressStream {
  write(line: string): void;
  /** Ends a started stream with `envelope` (and `code` when not 200) and answers true; false when nothing was streamed. */
  finish(status: number, envelope: Record<string, unknown>): boolean;
}

/**
 * The progress writer of an enveloped route, when the client accepts
 * NDJSON: the first line sends the head (200, no length), every line is
 * flushed as it comes, the envelope is the last line. Nothing is sent
 * before the first progress line or heartbeat, so a quick route answers
 * exactly as it would have.
 */
function progressStream(req: restify.Request, res: restify.Response): ProgressStream | undefined {
  if (!String(req.headers.accept ?? '').includes(NDJSON)) return undefined;
  const raw = res as unknown as ServerResponse;
  let started = false;
  const send = (text: string) => {
    if (raw.writableEnded || raw.destroyed) return;
    if (!started) {
      started = true;
      raw.writeHead(200, { 'content-type': NDJSON, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    }
    raw.write(text);
  };
  const heartbeat = setInterval(() => send('\n'), HEARTBEAT_MS);
  heartbeat.unref();
  raw.once('close', () => clearInterval(heartbeat));
  return {
    write: (line) => send(`${JSON.stringify({ progress: String(line) })}\n`),
    finish(status, envelope) {
      clearInterval(heartbeat);
      if (!started) return false;
      if (!raw.writableEnded && !raw.destroyed) raw.end(`${JSON.stringify(status === 200 ? envelope : { ...envelope, code: status })}\n`);
      return true;
    },
  };
}

async function toApiRequest(req: restify.Request, res: restify.Response, limit: number, withBody: boolean, progress?: (line: string) => void): Promise<ApiRequest> {
  const url = new URL(req.url ?? '/', 'http://controller');
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = v;
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries((req.params ?? {}) as Record<string, unknown>)) {
    if (typeof v === 'string') params[k] = v;
  }
  return {
    method: req.method ?? 'GET',
    path: url.pathname,
    params,
    query,
    body: withBody ? await ((req as any)[BODY] ?? readJsonBody(req as unknown as IncomingMessage, limit)) : undefined,
    headers: req.headers,
    signal: clientGone(res),
    principal: ((req as any)[PRINCIPAL] as Principal | undefined) ?? { kind: 'anonymous' },
    progress: progress ?? (() => undefined),
  };
}
