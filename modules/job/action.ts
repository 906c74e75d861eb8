/**
 * The `run_job` action: a
 * plugin or expansion asks for a job to run once. The run starts in the
 * background and its outcome is only logged; the answer says it is queued.
 *
 * Actions run just before the batch that carries them is committed, so the
 * job an expansion emits next to its `run_job` is not stored yet when the
 * action runs: the background run waits a little for the manifest to land.
 */
import { type Action, type Hooks, type Logger } from '../../kernel/index.js';
import { ValidationError, messageOf } from '../../lib/errors.js';
import { assertSegment, formatRef, keys, type Manifest } from '../../lib/identity.js';
import type { JobSpec } from './spec.js';
import type { Store } from '../store/contract.js';
import type { Jobs } from './contract.js';

const MANIFEST_WAIT_MS = 10_000;
const MANIFEST_POLL_MS = 200;

export function tapRunJob(hooks: Hooks, deps: { store: Store; jobs: Jobs; log: Logger; manifestWaitMs?: number }): void {
  hooks.onAction.for('run_job').tapPromise('job', async (action, actx) => {
    const { scope, name } = parseAction(action);
    // A plugin's own words for it ("backup b007 dispatched") when it gives them, as the other actions do.
    const applied = typeof action.summary === 'string' && action.summary.trim() ? action.summary.trim() : `run_job ${scope}/${name} queued`;
    if (actx.dryRun) return { applied };
    const ref = { kind: 'job', scope, name };
    void (async () => {
      const manifest = await waitForManifest(deps.store, ref, deps.manifestWaitMs ?? MANIFEST_WAIT_MS);
      if (!manifest) {
        deps.log.warn(`run_job from ${actx.source}: ${formatRef(ref)} not found — apply it first; nothing run`);
        return;
      }
      const run = await deps.jobs.run({ kind: 'job', ref, spec: (manifest.spec ?? {}) as JobSpec });
      const line = `run_job from ${actx.source}: ${formatRef(ref)} run ${run.run_id} ${run.status}${run.error ? `: ${run.error}` : ''}`;
      if (run.status === 'succeeded') deps.log.info(line);
      else deps.log.warn(line);
    })().catch((err) => deps.log.error(`run_job from ${actx.source}: ${formatRef(ref)}: ${messageOf(err)}`));
    return { applied };
  });
}

function parseAction(action: Action): { scope: string; name: string } {
  const { scope, name } = action;
  if (scope === undefined || scope === '') {
    throw new ValidationError('run_job.scope: required (jobs are scoped); send {"type":"run_job","scope":"<scope>","name":"<job>"}', { field: 'run_job.scope' });
  }
  if (name === undefined || name === '') {
    throw new ValidationError('run_job.name: required (the job to run); send {"type":"run_job","scope":"<scope>","name":"<job>"}', { field: 'run_job.name' });
  }
  assertSegment(scope, 'run_job.scope');
  assertSegment(name, 'run_job.name');
  return { scope, name };
}

async function waitForManifest(store: Store, ref: { kind: string; scope: string; name: string }, waitMs: number): Promise<Manifest | undefined> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const manifest = await store.getJSON<Manifest>(keys.desired(ref));
    if (manifest || Date.now() >= deadline) return manifest;
    await new Promise((r) => setTimeout(r, MANIFEST_POLL_MS));
  }
}
