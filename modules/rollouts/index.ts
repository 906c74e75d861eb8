/**
 * The `rollouts` module: `GET /rollout?kind=&scope=&name=&revision=`, the
 * state of one workload's rollout (phase.ts judges it), for `voodu apply`
 * and anyone scripting a deploy to wait on.
 */
import { defineModule } from '../../kernel/index.js';
import { NotFoundError, ValidationError } from '../../lib/errors.js';
import { assertSegment, formatRef, keys, type Manifest } from '../../lib/identity.js';
import '../api/contract.js';
import '../events/contract.js';
import '../kinds/contract.js';
import '../pods/contract.js';
import '../store/contract.js';
import '../workload/contract.js';
import { ROLLOUT_PATH } from './contract.js';
import { rolloutPhase } from './phase.js';

export default defineModule({
  name: 'rollouts',
  description: 'Where a workload rollout stands, at /rollout',
  requires: ['store', 'api', 'kinds'],
  optional: ['pods', 'events', 'workload'],
  register(ctx) {
    const store = ctx.service('store');
    const kinds = ctx.service('kinds');
    ctx.service('api').route(
      'GET',
      ROLLOUT_PATH,
      async (req) => {
        const kind = kinds.parse(req.query.kind ?? '');
        if (!kind || !kinds.is(kind, 'longRunning')) {
          throw new ValidationError(`query.kind: "${req.query.kind ?? ''}" has no rollout; use one of ${kinds.withRole('longRunning').join(', ')}`, { field: 'query.kind' });
        }
        const scope = req.query.scope ?? '';
        if (scope) assertSegment(scope, 'query.scope');
        assertSegment(req.query.name, 'query.name');
        const name = req.query.name;
        const revision = Number(req.query.revision ?? '0');
        if (!Number.isInteger(revision) || revision < 0) throw new ValidationError('query.revision: must be the store revision of the apply (a whole number)', { field: 'query.revision' });
        const ref = { kind, scope, name };
        const kv = await store.get(keys.desired(ref));
        if (!kv) throw new NotFoundError(`${formatRef(ref)} not found (deleted since the apply?)`);
        const manifest = JSON.parse(kv.value) as Manifest;
        const [status, pods, events] = await Promise.all([
          store.getJSON<Record<string, unknown>>(keys.status(kind, scope, name)),
          ctx.has('pods') ? ctx.service('pods').list({ kind, scope, name }) : Promise.resolve([]),
          ctx.has('events') ? ctx.service('events').list({ kind, scope, name }) : Promise.resolve([]),
        ]);
        return rolloutPhase({
          resource: formatRef(ref),
          kind,
          spec: (manifest.spec ?? {}) as Record<string, unknown>,
          revision: revision || kv.modRevision,
          since: manifest.metadata?.updated_at ?? new Date(0).toISOString(),
          status,
          pods,
          events,
          now: Date.now(),
          graceMs: ctx.has('workload') ? ctx.service('workload').graceMs : 3000,
        });
      },
      { plugin: true },
    );
  },
});
