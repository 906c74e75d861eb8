/**
 * One `release {}` run (a spec is rolled out only once its release ran):
 * `prepare` does every check that can refuse the request (so it answers a
 * JSON error before anything streams), `execute` runs the release and
 * reports through the stream:
 *
 *   skip when a release of this spec hash (and image) already succeeded,
 *   unless forced → record `running` → pre_command → command (a failure
 *   stops here: record failed, replicas untouched) → record `phase:
 *   rollout`, which clears the deployment reconcile to roll the replicas
 *   onto this release → wait for that rollout → post_command (a failure is
 *   only reported: the replicas are already live) → record succeeded.
 *
 * Every step is written to the release record first, so a controller that
 * dies mid-release leaves a record the next run recognises and closes.
 */
import { type Logger } from '../../kernel/index.js';
import { ConflictError, NotFoundError, ValidationError, messageOf } from '../../lib/errors.js';
import { formatRef, keys, type Manifest, type ResourceRef } from '../../lib/identity.js';
import { parseDurationMs } from '../../lib/manifest/durations.js';
import type { ReleaseSpec } from '../../lib/manifest/types.js';
import type { DeploymentSpec } from '../deployment/spec.js';
import type { Reconciler } from '../reconciler/contract.js';
import type { Runtime } from '../runtime/contract.js';
import type { Store } from '../store/contract.js';
import type { ReleaseRecord, Workload, WorkloadService } from '../workload/contract.js';
import { runPhase, type Phase } from './phase.js';
import { awaitRollout, rolloutSize } from './rollout.js';

export const DEFAULT_TIMEOUT_MS = 10 * 60_000;

export interface ReleaseDeps {
  store: Store;
  runtime: Runtime;
  workload: WorkloadService;
  reconciler: Reconciler;
  log: Logger;
  signal: AbortSignal;
  pollMs?: number;
}

export interface ReleasePlan {
  ref: ResourceRef;
  w: Workload;
  release: ReleaseSpec;
  hash: string;
  image: string;
  imageId: string;
  timeoutMs: number;
  /** Set when there is nothing to run (no commands, or this spec's release already succeeded). */
  alreadyReleased?: ReleaseRecord;
}

/** What a stream needs: banners and plain lines. */
export interface ReleaseOutput {
  banner(text: string): void;
  line(text: string): void;
}

/** A release `timeout`: empty, invalid or non-positive → 10 minutes. */
export function releaseTimeoutMs(text: string | undefined): number {
  const ms = text ? parseDurationMs(text) : undefined;
  return ms && ms > 0 ? ms : DEFAULT_TIMEOUT_MS;
}

export async function prepare(d: ReleaseDeps, ref: ResourceRef, force: boolean): Promise<ReleasePlan> {
  const manifest = await d.store.getJSON<Manifest<DeploymentSpec>>(keys.desired(ref));
  if (!manifest) throw new NotFoundError(`${formatRef(ref)} not found — apply it first`);
  const spec = (manifest.spec ?? {}) as DeploymentSpec;
  const w = d.workload.defaults('deployment', ref, spec as Record<string, unknown>);
  const release = spec.release ?? {};
  if (!w.hasReleaseBlock) {
    throw new ValidationError(
      `${formatRef(ref)} has no release command; add release { command = [...] } (or pre_command / post_command) to its manifest, or use \`voodu restart\` to roll it`,
      { field: 'spec.release' },
    );
  }
  const hash = await d.workload.specHash(w);
  const image = await d.workload.resolvedImage(w);
  const imageId = (await d.runtime.ensureImage(image)).id;

  const status = await d.workload.status.read(ref);
  const newest = status.releases?.[0];
  if (newest?.status === 'running' && !newest.phase) {
    throw new ConflictError(`${formatRef(ref)}: rollback ${newest.id} is still being carried out; run the release when it has finished`);
  }
  // We hold this deployment's lock: a record still running is one a stopped controller left behind.
  for (const r of status.releases ?? []) {
    if (r.status === 'running' && r.phase) {
      await d.workload.updateRelease(ref, r.id, {
        status: 'failed',
        phase: undefined,
        error: `interrupted during ${r.phase} (the controller stopped)`,
        ended_at: new Date().toISOString(),
      });
    }
  }
  const fresh = await d.workload.status.read(ref);
  const done = force ? undefined : d.workload.clearedRelease(fresh.releases, hash, imageId);
  return {
    ref,
    w,
    release,
    hash,
    image,
    imageId,
    timeoutMs: releaseTimeoutMs(release.timeout),
    ...(done ? { alreadyReleased: done } : {}),
  };
}

export async function execute(d: ReleaseDeps, p: ReleasePlan, out: ReleaseOutput): Promise<ReleaseRecord | undefined> {
  const { ref, w, hash } = p;
  if (p.alreadyReleased) {
    out.banner(`Release skipped: spec ${hash.slice(0, 8)} already released as ${p.alreadyReleased.id} (--force runs it again)`);
    return undefined;
  }
  const id = d.workload.newReleaseId();
  const startedAt = new Date().toISOString();
  const phases = (['pre_command', 'command'] as const).filter((ph) => p.release[ph]?.length);
  const record: ReleaseRecord = {
    id,
    spec_hash: hash,
    image: p.image,
    image_id: p.imageId,
    status: 'running',
    phase: phases[0] ?? 'rollout',
    started_at: startedAt,
    spec_snapshot: w.rawSpec,
  };
  await d.workload.appendRelease(ref, record);
  d.log.info(`${formatRef(ref)}: release ${id} of spec ${hash.slice(0, 8)} started`);
  const update = async (fields: Partial<ReleaseRecord>) => {
    Object.assign(record, fields);
    await d.workload.updateRelease(ref, id, fields);
  };
  let phase: ReleaseRecord['phase'] = record.phase;
  try {
    const env = await d.workload.syncEnv(w);
    const run = (ph: Phase) =>
      runPhase(d, { w, env, hash, releaseId: id, phase: ph, argv: p.release[ph]!, timeoutMs: p.timeoutMs, line: out.line });

    for (const ph of phases) {
      phase = ph;
      if (record.phase !== ph) await update({ phase: ph });
      out.banner(`Release ${id}: ${ph}`);
      const res = await run(ph);
      await update(ph === 'pre_command' ? { pre_exit_code: res.exitCode } : { exit_code: res.exitCode });
      if (res.failure) {
        await update({ status: 'failed', phase: undefined, error: `${ph} failed: ${res.failure}`, ended_at: new Date().toISOString() });
        d.log.warn(`${formatRef(ref)}: release ${id} failed in ${ph} (${res.failure}); replicas untouched`);
        out.banner(`Release ${id} failed in ${ph} (${res.failure})`);
        return record;
      }
    }

    phase = 'rollout';
    const size = await rolloutSize(d.workload, w);
    out.banner(`Release ${id}: rolling restart of ${size} replica(s)`);
    // The commands succeeded: from this write on the deployment reconcile may roll to this spec.
    // A rollout that stopped on this target before is tried afresh, as a restart would.
    await update({ phase: 'rollout' });
    await d.workload.status.patch(ref, { rollout_blocked: undefined });
    // on_deploy success / failure is sent by the deployment reconcile that carries the rollout out
    // (stamped with this release id), so a rollout finished after a controller restart still reports.
    await awaitRollout({ ...d, ...(d.pollMs ? { pollMs: d.pollMs } : {}) }, w, hash, id, out.line);

    const post = p.release.post_command;
    if (post?.length) {
      phase = 'post_command';
      await update({ phase: 'post_command' });
      out.banner(`Release ${id}: post_command`);
      const res = await run('post_command');
      await update({ post_exit_code: res.exitCode });
      if (res.failure) {
        d.log.warn(`${formatRef(ref)}: release ${id}: post_command failed (${res.failure}); replicas already live`);
        out.banner(`Release ${id}: post_command failed (${res.failure}); replicas already live`);
      }
    }
    const endedAt = new Date().toISOString();
    await update({ status: 'succeeded', phase: undefined, ended_at: endedAt });
    d.log.info(`${formatRef(ref)}: release ${id} succeeded`);
    out.banner(`Release ${id} succeeded in ${((Date.parse(endedAt) - Date.parse(startedAt)) / 1000).toFixed(1)}s`);
    return record;
  } catch (err) {
    const msg = messageOf(err);
    await update({ status: 'failed', phase: undefined, error: `${phase ?? 'release'} failed: ${msg}`, ended_at: new Date().toISOString() }).catch((e) =>
      d.log.error(`${formatRef(ref)}: could not record release ${id} as failed: ${messageOf(e)}`),
    );
    d.log.error(`${formatRef(ref)}: release ${id} failed in ${phase}: ${msg}`);
    out.banner(`Release failed: ${msg}`);
    return record;
  }
}
