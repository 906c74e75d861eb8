/**
 * The `release` module: `POST
 * /releases/run?scope=&name=[&force=true]` runs a deployment's `release {}`
 * commands around the rolling restart of its replicas, streaming the
 * output as text (protocol in contract.ts). One release at a time per
 * deployment. The rollout itself is the deployment module's: the release
 * record it writes is the intent that clears the reconcile to roll.
 */
import type { ServerResponse } from 'node:http';
import { defineModule } from '../../kernel/index.js';
import { ConflictError, messageOf } from '../../lib/errors.js';
import { appId, keys, type ResourceRef } from '../../lib/identity.js';
import type {} from '../api/contract.js';
import type {} from '../reconciler/contract.js';
import type {} from '../runtime/contract.js';
import type {} from '../store/contract.js';
import { LABELS } from '../workload/contract.js';
import { BANNER, RELEASE_ROLE, RELEASES_RUN_PATH } from './contract.js';
import { execute, prepare, type ReleaseDeps, type ReleaseOutput } from './run.js';
import { targetOf } from './target.js';
import { queryFlag } from '../../lib/query-flag.js';

export interface ReleaseOptions {
  /** How often a release looks at its rollout's progress. Default 1000 ms. */
  pollMs?: number;
  /** How often leftover release containers are looked for; default 60 000 ms. */
  sweepMs?: number;
}

export default defineModule<ReleaseOptions>({
  name: 'release',
  description: 'release {} commands: POST /releases/run runs pre_command, command, the rolling restart and post_command, streamed',
  requires: ['store', 'runtime', 'api', 'workload', 'reconciler'],
  register(ctx) {
    const store = ctx.service('store');
    const stopping = new AbortController();
    const busy = new Set<string>();
    const deps: ReleaseDeps = {
      store,
      runtime: ctx.service('runtime'),
      workload: ctx.service('workload'),
      reconciler: ctx.service('reconciler'),
      log: ctx.log,
      signal: stopping.signal,
      ...(typeof ctx.options.pollMs === 'number' && ctx.options.pollMs > 0 ? { pollMs: ctx.options.pollMs } : {}),
    };

    ctx.service('api').raw('POST', RELEASES_RUN_PATH, async (req, { res }) => {
      const force = queryFlag(req.query, 'force', false);
      const ref = await targetOf(store, req);
      const key = appId(ref.scope, ref.name);
      if (busy.has(key)) throw new ConflictError(`release already in progress for deployment/${key}`);
      busy.add(key);
      try {
        // Everything that can refuse the request throws here, while a JSON error can still be sent.
        const plan = await prepare(deps, ref, force);
        const out = textStream(res, ref);
        try {
          await execute(deps, plan, out);
        } finally {
          res.end();
        }
      } finally {
        busy.delete(key);
      }
    });

    // Release containers are removed when their phase ends; one a crash left behind (the controller
    // killed mid-release) is removed at start and by the sweep after, unless a release of its
    // deployment runs here now. Every minute (release.sweepMs).
    const runtime = deps.runtime;
    const sweep = async () => {
      for (const c of await runtime.list({ [LABELS.role]: RELEASE_ROLE }, { all: true })) {
        const ref = { kind: 'deployment', scope: c.labels[LABELS.scope] ?? '', name: c.labels[LABELS.name] ?? '' };
        if (busy.has(appId(ref.scope, ref.name))) continue;
        // Only this controller's deployments: another controller on the same engine owns the rest.
        if (!(await store.get(keys.desired(ref)))) continue;
        await runtime.remove(c.id, { force: true }).then(
          () => ctx.log.info(`${c.name}: removed a release container a stopped controller left behind`),
          (err) => ctx.log.warn(`${c.name}: could not remove a leftover release container: ${messageOf(err)}`),
        );
      }
    };
    ctx.hooks.onStart.tapPromise('release', () => sweep().catch((err) => ctx.log.warn(`release sweep: ${messageOf(err)}`)));
    ctx.every(typeof ctx.options.sweepMs === 'number' && ctx.options.sweepMs > 0 ? ctx.options.sweepMs : 60_000, () => sweep().catch((err) => ctx.log.warn(`release sweep: ${messageOf(err)}`)));

    return {
      stop() {
        stopping.abort(new Error('controller stopping'));
      },
    };
  },
});

/**
 * Starts the 200 `text/plain` answer. A client that goes away does not stop
 * the release: it is recorded either way, and writes to a closed response
 * are dropped.
 */
function textStream(res: ServerResponse, ref: ResourceRef): ReleaseOutput {
  res.writeHead(200, {
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    'x-voodu-scope': ref.scope,
    'x-voodu-name': ref.name,
  });
  res.flushHeaders();
  const write = (text: string) => {
    if (!res.destroyed && !res.writableEnded) res.write(text + '\n');
  };
  return { banner: (text) => write(BANNER + text), line: write };
}
