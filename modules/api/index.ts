/**
 * The `api` module: the controller's HTTP API on `--http` (default
 * 127.0.0.1:8686), every route behind the API token (docs/security.md).
 * Other modules add routes through the `api` service; this module owns only
 * `/health`, `/auth` and — with the metrics module on — `/metrics`.
 */
import { join } from 'node:path';
import { defineModule } from '../../kernel/index.js';
import { ValidationError } from '../../lib/errors.js';
import { versionString } from '../../lib/build-info.js';
import type {} from '../paths/contract.js';
import { FAST_BUCKETS, METRICS_PATH, type Metrics } from '../metrics/contract.js';
import { parseListenAddress } from './listen-address.js';
import { ApiServer } from './server.js';
import { checkToken, ensureTokenFile, TOKEN_FILE_NAME } from './token-file.js';

export interface ApiOptions {
  /** HOST:PORT; default 127.0.0.1:8686. */
  http?: string;
  /** The token itself (env VOODU_API_TOKEN); otherwise it is read from `tokenFile`. */
  token?: string;
  /** Default `$VOODU_ROOT/api-token`, created on first start. */
  tokenFile?: string;
  /** Group that may read the token file too (mode 0640). */
  group?: string;
  /** Host header names accepted besides loopback and the listen address. */
  hosts?: string[];
  /** Request body cap; default 1 MiB. */
  maxBodyBytes?: number;
}

export const DEFAULT_HTTP = '127.0.0.1:8686';
export const DEFAULT_MAX_BODY = 1024 * 1024;

/** The API's families: requests by method, route pattern and status, and their latency (an apply is `POST /apply`). */
function requestMetrics(metrics: Metrics) {
  const total = metrics.counter({ name: 'voodu_api_requests_total', help: 'API requests answered, by method, route pattern and status', labelNames: ['method', 'route', 'status'] });
  const duration = metrics.histogram({ name: 'voodu_api_request_duration_seconds', help: 'How long API requests take to answer, by method and route pattern', labelNames: ['method', 'route'], buckets: FAST_BUCKETS });
  return (method: string, route: string, status: number, seconds: number) => {
    total.inc({ method, route, status: String(status) });
    duration.observe({ method, route }, seconds);
  };
}

export default defineModule<ApiOptions>({
  name: 'api',
  description: 'HTTP API: envelope, body cap, token gate, /health',
  requires: ['paths'],
  optional: ['metrics'],
  provides: ['api'],
  async register(ctx) {
    const { host, port } = parseListenAddress(ctx.options.http ?? DEFAULT_HTTP, 'api.http');
    const maxBodyBytes = ctx.options.maxBodyBytes ?? DEFAULT_MAX_BODY;
    if (!Number.isInteger(maxBodyBytes) || maxBodyBytes <= 0) {
      throw new ValidationError(`api.maxBodyBytes: must be a positive integer number of bytes`, { field: 'maxBodyBytes' });
    }
    const hosts = ctx.options.hosts ?? [];
    for (const h of hosts) {
      if (!/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/i.test(h)) throw new ValidationError(`api.hosts: ${JSON.stringify(h)} is not a host name`, { field: 'hosts' });
    }
    const tokenFile = ctx.options.tokenFile ?? join(ctx.service('paths').root, TOKEN_FILE_NAME);
    const token = ctx.options.token
      ? checkToken(ctx.options.token, 'VOODU_API_TOKEN')
      : await ensureTokenFile({
          path: tokenFile,
          create: ctx.options.tokenFile === undefined,
          ...(ctx.options.group ? { group: ctx.options.group } : {}),
          warn: (m) => ctx.log.warn(m),
        });
    const tokenHint = ctx.options.token ? 'the VOODU_API_TOKEN the controller was started with' : tokenFile;
    const metrics = ctx.has('metrics') ? ctx.service('metrics') : undefined;
    const server = new ApiServer({ host, port, maxBodyBytes, token, tokenHint, hosts, log: ctx.log, ...(metrics && { observe: requestMetrics(metrics) }) });
    ctx.provide('api', server);

    // Not enveloped (matches the reference): load balancers and scripts read it as is. 503 while a
    // dependency fails: the process still answers what it can, and recovers by itself (docs/operations.md#health).
    server.raw(
      'GET',
      '/health',
      async (_req, { res }) => {
        const report = await server.health.report();
        const failing = Object.entries(report.dependencies).filter(([, d]) => !d.ok);
        res.writeHead(report.ok ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(
          JSON.stringify({
            status: report.ok ? 'ok' : 'degraded',
            version: versionString(),
            dependencies: report.dependencies,
            ...(failing.length && { error: `degraded: ${failing.map(([name, d]) => `${name} failing since ${d.since} (${d.error})`).join('; ')}` }),
          }),
        );
      },
      { public: true },
    );
    if (metrics) {
      // Prometheus text, not enveloped; a scraper on the host needs no token (docs/operations.md).
      server.raw(
        'GET',
        METRICS_PATH,
        async (_req, { res }) => {
          const { contentType, body } = await metrics.render();
          res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
          res.end(body);
        },
        { loopback: true },
      );
    }
    // Who the gate took the caller for: `voodu health` checks its token with it.
    server.route('GET', '/auth', (req) => ({ principal: req.principal.kind }), { plugin: true });

    // Serve only once every module is up: before that, requests get 503.
    ctx.hooks.onStart.tap('api', () => server.markReady());
    return {
      start: () => server.listen().then(() => ctx.log.info(`listening on ${server.address().url}`)),
      stop: () => server.close(),
    };
  },
});
