/**
 * The `api` module: the controller's HTTP API on `--http` (default
 * 127.0.0.1:8686). Other modules add routes through the `api` service; this
 * module owns only `/health`.
 */
import { defineModule, ValidationError } from '../../kernel/index.js';
import { versionString } from '../../lib/build-info.js';
import { isLoopback } from './auth.js';
import { parseListenAddress } from './listen-address.js';
import { ApiServer } from './server.js';

export interface ApiOptions {
  /** HOST:PORT; default 127.0.0.1:8686. */
  http?: string;
  /** Required when binding a non-loopback address (decision 14). */
  token?: string;
  /** Request body cap; default 1 MiB. */
  maxBodyBytes?: number;
}

export const DEFAULT_HTTP = '127.0.0.1:8686';
export const DEFAULT_MAX_BODY = 1024 * 1024;

export default defineModule<ApiOptions>({
  name: 'api',
  description: 'HTTP API: envelope, body cap, token gate, /health',
  provides: ['api'],
  register(ctx) {
    const { host, port } = parseListenAddress(ctx.options.http ?? DEFAULT_HTTP, 'api.http');
    const token = ctx.options.token || undefined;
    if (!isLoopback(host) && !token) {
      throw new ValidationError(
        `api.http: binding ${host}:${port} exposes the API beyond this host; set an API token (--api-token or VOODU_API_TOKEN) or bind 127.0.0.1`,
        { field: 'http' },
      );
    }
    const maxBodyBytes = ctx.options.maxBodyBytes ?? DEFAULT_MAX_BODY;
    if (!Number.isInteger(maxBodyBytes) || maxBodyBytes <= 0) {
      throw new ValidationError(`api.maxBodyBytes: must be a positive integer number of bytes`, { field: 'maxBodyBytes' });
    }
    const server = new ApiServer({ host, port, maxBodyBytes, ...(token ? { token } : {}), log: ctx.log });
    ctx.provide('api', server);

    // Not enveloped (matches the reference): load balancers and scripts read it as is.
    server.raw('GET', '/health', (_req, { res }) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'ok', version: versionString() }));
    });

    // Serve only once every module is up: before that, requests get 503.
    ctx.hooks.onStart.tap('api', () => server.markReady());
    return {
      start: () => server.listen().then(() => ctx.log.info(`listening on ${server.address().url}`)),
      stop: () => server.close(),
    };
  },
});
