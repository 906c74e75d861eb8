/**
 * The HTTP server behind the `api` service: restify with our envelope,
 * body cap, token gate and request log. Routes come from modules.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import restify from 'restify';
import { VooduError, messageOf, statusOf, type Logger } from '../../kernel/index.js';
import { tokenMatches } from './auth.js';
import { readJsonBody } from './body.js';
import type { Api, ApiHandler, ApiReply, ApiRequest, HttpMethod, RawHandler } from './contract.js';
import { isUpgradeResponse, Upgrade } from './upgrade.js';

const REPLY = Symbol('voodu.reply');

export interface ServerOptions {
  host: string;
  port: number;
  maxBodyBytes: number;
  token?: string;
  log: Logger;
}

type RestifyHandler = (req: restify.Request, res: restify.Response, next: restify.Next) => void;

export class ApiServer implements Api {
  readonly #server: restify.Server;
  readonly #opts: ServerOptions;
  #ready = false;
  #address: { host: string; port: number; url: string } | undefined;

  constructor(opts: ServerOptions) {
    this.#opts = opts;
    this.#server = restify.createServer({ name: 'voodu-controller', handleUpgrades: true });
    this.#server.pre(this.#gate);
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
    });
  }

  /** Runs before routing: stamps the start time, enforces the token, holds requests until the controller is up. */
  #gate: RestifyHandler = (req, res, next) => {
    (req as any)._vooduStart = process.hrtime.bigint();
    const { token } = this.#opts;
    if (token && !tokenMatches(req.headers.authorization, token)) {
      res.send(401, { status: 'error', error: 'missing or wrong API token (send Authorization: Bearer <token>)' });
      return next(false);
    }
    if (!this.#ready) {
      res.send(503, { status: 'error', error: 'controller is starting; retry in a moment' });
      return next(false);
    }
    next();
  };

  route(method: HttpMethod, path: string, handler: ApiHandler): void {
    this.#mount(method, path, async (req, res) => {
      let status = 200;
      let data: unknown;
      try {
        const apiReq = await toApiRequest(req, res, this.#opts.maxBodyBytes, true);
        data = await handler(apiReq);
        if (isReply(data)) {
          status = data.statusCode;
          data = data.data;
        }
      } catch (err) {
        status = statusOf(err);
        if (status >= 500) this.#opts.log.error(`${req.method} ${req.url}: ${err instanceof Error ? err.stack ?? err.message : messageOf(err)}`);
        res.send(status, { status: 'error', error: messageOf(err) });
        return;
      }
      res.send(status, data === undefined ? { status: 'ok' } : { status: 'ok', data });
    });
  }

  raw(method: HttpMethod, path: string, handler: RawHandler): void {
    this.#mount(method, path, async (req, res) => {
      const upgrade = isUpgradeResponse(res) ? new Upgrade(res) : undefined;
      try {
        await handler(await toApiRequest(req, res, this.#opts.maxBodyBytes, false), {
          req: req as unknown as IncomingMessage,
          res: res as unknown as ServerResponse,
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
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.#server.once('error', onError);
      this.#server.listen(port, host, () => {
        this.#server.removeListener('error', onError);
        resolve();
      });
    });
    const addr = this.#server.address() as { address: string; port: number };
    const shownHost = addr.address.includes(':') ? `[${addr.address}]` : addr.address;
    this.#address = { host: addr.address, port: addr.port, url: `http://${shownHost}:${addr.port}` };
  }

  markReady(): void {
    this.#ready = true;
  }

  async close(): Promise<void> {
    this.#ready = false;
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
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

async function toApiRequest(req: restify.Request, res: restify.Response, limit: number, withBody: boolean): Promise<ApiRequest> {
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
    body: withBody ? await readJsonBody(req as unknown as IncomingMessage, limit) : undefined,
    headers: req.headers,
    signal: clientGone(res),
  };
}
