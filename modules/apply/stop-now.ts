/**
 * `grace=` on the delete routes: the deleted resources' running containers
 * are stopped here and now with that grace period, instead of their own
 * `stop_grace_period`, all at once. The reconciler still removes them (its
 * teardown finds them stopped, so it is quick); this only shortens the wait
 * for a process that ignores its stop signal, for one command.
 */
import { NotFoundError, ValidationError, messageOf } from '../../lib/errors.js';
import type { ResourceRef } from '../../lib/identity.js';
import { parseDurationMs } from '../../lib/manifest/durations.js';
import type { Runtime } from '../runtime/contract.js';

/** The `grace` query in whole seconds, or undefined when it is absent. */
export function graceParam(query: Record<string, string>): number | undefined {
  const raw = query.grace;
  if (raw === undefined || raw === '') return undefined;
  const ms = /^\d+$/.test(raw) ? Number(raw) * 1000 : parseDurationMs(raw);
  if (ms === undefined || ms < 0 || ms > 3_600_000) {
    throw new ValidationError(`query.grace: ${JSON.stringify(raw)} is not a grace period; give a duration such as 0s, 2s or 1m (at most 1h)`, { field: 'grace' });
  }
  return Math.ceil(ms / 1000);
}

/** Stops every running container of `refs` with `graceSec`; answers the names it stopped and what failed. */
export async function stopNow(runtime: Runtime, refs: ResourceRef[], graceSec: number): Promise<{ stopped: string[]; errors: string[] }> {
  const found = await Promise.all(
    refs.map((ref) => runtime.list({ createdby: 'voodu', 'voodu.kind': ref.kind, 'voodu.name': ref.name, ...(ref.scope ? { 'voodu.scope': ref.scope } : {}) })),
  );
  const stopped: string[] = [];
  const errors: string[] = [];
  await Promise.all(
    found.flat().map(async (c) => {
      try {
        await runtime.stop(c.id, { timeoutSec: graceSec });
        stopped.push(c.name);
      } catch (err) {
        // Removed by the reconciler's teardown meanwhile: stopped is what we wanted.
        if (err instanceof NotFoundError) stopped.push(c.name);
        else errors.push(`${c.name}: ${messageOf(err)}`);
      }
    }),
  );
  return { stopped: stopped.sort(), errors };
}
