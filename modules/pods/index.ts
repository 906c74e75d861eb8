/**
 * The `pods` module: voodu's containers as pods (docs/cli.md, `get pods`,
 * `stats`). Listing, inspect, logs (one pod or a fan-out),
 * exec over a hijacked connection, stop with freeze, start by recreation,
 * and stats joined with manifest limits. Provides the `pods` service so
 * `describe` lists pods the same way.
 */
import '../kinds/contract.js';
import { defineModule } from '../../kernel/index.js';
import { NotFoundError, ValidationError } from '../../lib/errors.js';
import type { LogOptions } from '../runtime/contract.js';
import { podDetail, vooduContainer } from './detail.js';
import { serveExec } from './exec.js';
import { startPod, stopPod, type LifecycleDeps } from './lifecycle.js';
import { createPods } from './listing.js';
import { streamMany, streamOne } from './logs.js';
import { filterOf, podName, sinceParam, tailParam } from './params.js';
import { collectStats } from './stats.js';
import { queryFlag } from '../../lib/query-flag.js';

function logOptions(query: Record<string, string>): LogOptions {
  const tail = tailParam(query);
  const since = sinceParam(query);
  return {
    follow: queryFlag(query, 'follow', false),
    timestamps: queryFlag(query, 'timestamps', false),
    ...(tail !== undefined && { tail }),
    ...(since !== undefined && { since }),
  };
}

export default defineModule({
  name: 'pods',
  description: 'Pods: list, inspect, logs, exec, stop/start with freeze, stats',
  requires: ['runtime', 'api', 'store', 'kinds'],
  optional: ['reconciler'],
  provides: ['pods'],
  register(ctx) {
    const runtime = ctx.service('runtime');
    const store = ctx.service('store');
    const api = ctx.service('api');
    const kinds = ctx.service('kinds');
    const pods = createPods(runtime, store);
    ctx.provide('pods', pods);
    const lifecycle: LifecycleDeps = {
      runtime,
      store,
      log: ctx.log,
      reconciler: () => (ctx.has('reconciler') ? ctx.service('reconciler') : undefined),
    };

    api.route('GET', '/pods', (req) => pods.list(filterOf(kinds, req.query)));

    api.route('GET', '/pods/:name', (req) => podDetail(runtime, store, podName(req.params.name), queryFlag(req.query, 'show_env', false)));

    api.raw('GET', '/pods/:name/logs', async (req, { res }) => {
      const name = podName(req.params.name);
      const options = logOptions(req.query);
      await vooduContainer(runtime, name);
      await streamOne(runtime, name, options, res);
    });

    // Several pods at once (a scope, or one resource): each line prefixed `[<pod>] `.
    api.raw('GET', '/logs', async (req, { res }) => {
      const filter = filterOf(kinds, req.query);
      if (!filter.scope) throw new ValidationError('query.scope: required (add name= to narrow it to one resource)', { field: 'scope' });
      const options = logOptions(req.query);
      const names = (await pods.list(filter)).map((p) => p.name);
      if (names.length === 0) {
        throw new NotFoundError(`no containers match ${[filter.kind, filter.scope, filter.name].filter(Boolean).join('/')}`);
      }
      await streamMany(runtime, names, options, res);
    });

    api.raw('POST', '/pods/:name/exec', (req, raw) => serveExec(runtime, ctx.log, podName(req.params.name), req, raw));

    api.route('POST', '/pods/:name/stop', (req) => stopPod(lifecycle, podName(req.params.name), queryFlag(req.query, 'freeze', true)));

    api.route('POST', '/pods/:name/start', (req) => startPod(lifecycle, podName(req.params.name)));

    api.route('GET', '/stats', (req) =>
      collectStats({ runtime, store, pods }, filterOf(kinds, req.query), queryFlag(req.query, 'orphans', false)),
    );
  },
});
