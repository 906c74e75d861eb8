/**
 * `GET /events`: the event logs that match `kind`, `scope` and `name`
 * (each optional), oldest first; `limit` keeps the newest N. With
 * `follow=true` the answer is newline-delimited JSON instead: the matching
 * lines that exist, then every line recorded or repeated afterwards, until
 * the client goes away.
 */
import { once } from 'node:events';
import { ValidationError } from '../../lib/errors.js';
import { assertSegment } from '../../lib/identity.js';
import { queryFlag } from '../../lib/query-flag.js';
import type { Api, ApiRequest } from '../api/contract.js';
import type { KindRegistry } from '../../lib/manifest/index.js';
import type { EventQuery, Events, ResourceEvent } from './contract.js';

const MAX_LIMIT = 10_000;

export function eventQuery(kinds: KindRegistry, req: ApiRequest): EventQuery & { limit?: number } {
  const q: EventQuery & { limit?: number } = {};
  const { kind, scope, name, limit } = req.query;
  if (kind) {
    const parsed = kinds.parse(kind);
    if (!parsed) throw new ValidationError(`query.kind: "${kind}" is not a kind; accepted: ${kinds.list()}`, { field: 'query.kind' });
    q.kind = parsed;
  }
  if (scope !== undefined && scope !== '') {
    assertSegment(scope, 'query.scope');
    q.scope = scope;
  }
  if (name) {
    assertSegment(name, 'query.name');
    q.name = name;
  }
  if (limit !== undefined && limit !== '') {
    const n = Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT) throw new ValidationError(`query.limit: ${JSON.stringify(limit)} is not a count from 1 to ${MAX_LIMIT}`, { field: 'query.limit' });
    q.limit = n;
  }
  return q;
}

export function registerEventRoutes(api: Api, kinds: KindRegistry, events: Events): void {
  api.raw(
    'GET',
    '/events',
    async (req, { res }) => {
      const { limit, ...query } = eventQuery(kinds, req);
      const follow = queryFlag(req.query, 'follow', false);
      const existing = await events.list(query);
      const shown = limit ? existing.slice(-limit) : existing;
      if (!follow) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 'ok', data: shown }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' });
      const write = (e: ResourceEvent) => {
        if (!res.destroyed) res.write(`${JSON.stringify(e)}\n`);
      };
      for (const e of shown) write(e);
      res.flushHeaders();
      const broke = new Promise<void>((resolve) => {
        void events
          .follow(query, write, () => resolve())
          .then((stop) => {
            const end = () => void stop();
            if (res.destroyed) end();
            else res.once('close', end);
          }, () => resolve());
      });
      await Promise.race([once(res, 'close'), broke]);
      if (!res.destroyed) res.end();
    },
    { plugin: true },
  );
}
