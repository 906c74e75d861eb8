/**
 * One deployment put, level-triggered (a new replica must be ready before
 * an old one goes; a replica stopped by hand is repaired): compare the replicas that exist with the replicas that should,
 * and act on the difference — repair, scale down, scale up, roll — then
 * record the outcome. Every step re-derives from what docker and etcd say,
 * so a reconcile interrupted anywhere (a crash mid-rollout included) is
 * finished by the next one.
 */
import { readlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { type Logger } from '../../kernel/index.js';
import { TransientError, VooduError, messageOf } from '../../lib/errors.js';
import { formatRef, type Manifest, type ResourceRef } from '../../lib/identity.js';
import type { Paths } from '../paths/contract.js';
import type { Runtime } from '../runtime/contract.js';
import { LABELS, type ManifestAt, type ReleaseRecord, type Replica, type WorkloadService, type WorkloadStatus } from '../workload/contract.js';
import { isStale, isUp, survivors, type Target } from './plan.js';
import type { RepairBackoff } from '../../lib/repair-backoff.js';
import { createReplicas } from './replicas.js';
import { RolloutStopped, rollOut, surgeOf, type RolloutContext } from './rollout.js';
import type { OnDeploySpec } from '../../lib/manifest/types.js';
import type { Webhooks } from '../webhooks/contract.js';
import type { Builds } from '../build/contract.js';

export interface DeploymentDeps {
  workload: WorkloadService;
  /** The spec stored right now (undefined when deleted): to tell a stale reconcile from a superseded rollback. */
  storedSpec(ref: ResourceRef): Promise<unknown>;
  runtime: Runtime;
  paths: Paths;
  log: Logger;
  backoff: RepairBackoff;
  /** Asks for another reconcile of `ref` in `ms` (a repair that is backing off). */
  later(ref: ResourceRef, ms: number): void;
  /** Aborted when the controller stops: rollouts end where they are, the next start finishes them. */
  signal: AbortSignal;
  readyTimeoutMs: number;
  createConcurrency: number;
  /** on_deploy delivery, when the webhooks module runs. */
  webhooks(): Webhooks | undefined;
  /** Build mode's release dirs, when the build module runs: `current` follows the build that serves. */
  builds(): Builds | undefined;
}

/**
 * A surplus of current and stale running replicas is what a controller
 * killed mid-rollout leaves: successors beside the replicas they replace.
 * Each current one must pass the same readiness gate as in a rollout
 * before a stale one is retired for it; the names of those that do not.
 */
async function unprovenSuccessors(c: RolloutContext, live: Replica[], target: Target, pending: ReadonlySet<string>): Promise<Set<string>> {
  const up = live.filter(isUp);
  const fresh = up.filter((r) => !isStale(r, target, pending));
  if (!fresh.length || fresh.length === up.length) return new Set();
  const results = await Promise.all(
    fresh.map(async (r) => ({ r, res: await c.workload.readiness.waitReady({ name: r.name, id: r.id }, { probes: c.w.probes, timeoutMs: c.readyTimeoutMs, signal: c.signal }) })),
  );
  c.signal.throwIfAborted();
  const unready = results.filter(({ res }) => !res.ready);
  for (const { r, res } of unready) c.log.warn(`${c.w.appId}: ${r.name} did not become ready (${res.reason ?? 'no reason given'}); it goes before the replicas it was to replace`);
  return new Set(unready.map(({ r }) => r.name));
}

const sameSpec = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** A rollout that stopped on a replica that never got ready; not retried until the target changes. */
export class RolloutFailedError extends VooduError {
  override readonly code = 'rollout_failed';
  /** The rollout was not attempted again: this reports the block an earlier attempt left (no new on_deploy failure). */
  readonly repeated: boolean;
  constructor(message: string, options: { repeated?: boolean } = {}) {
    super(message);
    this.repeated = options.repeated ?? false;
  }
}

interface Blocked {
  target: string;
  error: string;
  at: string;
}

const READINESS_KEPT = 64;

/** `at`: where `manifest` stands in the store (the put event's revision), which decides whether env drift rolls. */
export async function reconcileDeployment(d: DeploymentDeps, ref: ResourceRef, manifest: Manifest, at: ManifestAt): Promise<void> {
  const { workload, runtime, log } = d;
  const startedAt = new Date().toISOString();
  const w = workload.defaults('deployment', ref, (manifest.spec ?? {}) as Record<string, unknown>);
  // Independent reads (and the env file write), at once: one after another they were most of the
  // time between an apply and its first container create.
  const [hash, env, [image, imageId], status, frozen, listed] = await Promise.all([
    workload.specHash(w),
    workload.syncEnv(w),
    workload.resolvedImage(w).then(async (resolved) => [resolved, await workload.ensureImage(ref, resolved)] as const),
    workload.status.read(ref),
    workload.frozen.get(ref),
    workload.list({ kind: 'deployment', scope: ref.scope, name: ref.name }),
  ]);
  const pending = new Set(Array.isArray(status['restart_pending']) ? (status['restart_pending'] as string[]) : []);
  let live = listed;

  // The release record of this spec, plus the record a rollback left `running` for this reconcile to finish (one with a
  // `phase` belongs to a release {} run, which modules/release finishes).
  let open = status.releases?.[0]?.status === 'running' && !status.releases[0].phase ? status.releases[0] : undefined;
  if (open && !sameSpec(open.spec_snapshot, manifest.spec)) {
    // This reconcile began before the rollback landed: the watch event of the rollback re-runs it.
    if (sameSpec(open.spec_snapshot, await d.storedSpec(ref))) return;
    // An apply landed before the rollback's own reconcile: that release never happened as recorded.
    await workload.updateRelease(ref, open.id, { status: 'failed', error: 'superseded by a newer apply', ended_at: startedAt });
    open = undefined;
  }
  // After the check above: a reconcile of a manifest already replaced must not move the env target.
  const envTarget = await workload.envTarget(w, env, at);
  const target: Target = { hash, envHashes: envTarget.current, imageId };
  // Keyed on the env target, not the env file: a no-restart config change does not retry a blocked rollout.
  const targetKey = `${hash}/${envTarget.hash}/${imageId}`;
  const prevBlocked = status['rollout_blocked'] as Blocked | undefined;
  const blocked = prevBlocked?.target === targetKey ? prevBlocked : undefined;
  // With release commands, replicas move onto a spec only once its release cleared it
  // (commands succeeded) or a rollback asks; they then carry that release's id. Until then: held.
  const cleared = w.hasReleaseBlock && !open ? workload.clearedRelease(status.releases, hash, imageId) : undefined;
  const held = w.hasReleaseBlock && !open && !cleared;
  const mint =
    !blocked &&
    !w.hasReleaseBlock &&
    (!status.spec_hash ||
      status.spec_hash !== hash ||
      (!!status.replicas && status.replicas !== w.replicas) ||
      live.some((r) => !frozen.has(r.replicaId) && r.imageId && r.imageId !== imageId));
  const minted = mint ? workload.newReleaseId() : undefined;
  const releaseId = open?.id ?? cleared?.id ?? minted;

  const taken = new Set(live.flatMap((r) => [r.name, r.replicaId]));
  const readiness: Record<string, unknown> = {};
  const c: RolloutContext = { workload, runtime, w, env, hash, releaseId, taken, signal: d.signal, log, readyTimeoutMs: d.readyTimeoutMs, readiness };

  // Repair: a stopped replica nobody froze is replaced, not left for dead.
  const down = live.filter((r) => !isUp(r) && !frozen.has(r.replicaId));
  if (down.length) {
    const wait = d.backoff.delay(w.appId);
    if (wait > 0) {
      log.warn(`${w.appId}: ${down.map((r) => r.name).join(', ')} stopped; repairing again in ${Math.ceil(wait / 1000)} s (backing off)`);
      for (const r of down) workload.record(ref, { type: 'warning', reason: 'BackOff', message: 'replica stopped again soon after its repair; repairing later (backing off)', object: r.name });
      d.later(ref, wait);
    } else {
      d.backoff.record(w.appId);
      await Promise.all(down.map((r) => workload.retire(r.id)));
      live = live.filter((r) => !down.includes(r));
      log.info(`${w.appId}: removed stopped ${down.map((r) => r.name).join(', ')} (repair)`);
      for (const r of down) workload.record(ref, { type: 'normal', reason: 'Repaired', message: 'replica found stopped; replacing it', object: r.name });
    }
  }

  if (live.length > w.replicas) {
    const { keep, drop } = survivors(live, w.replicas, target, pending, await unprovenSuccessors(c, live, target, pending));
    await Promise.all(drop.map((r) => workload.retire(r.id, { drain: true })));
    live = keep;
    log.info(`${w.appId}: scaled down to ${w.replicas}: retired ${drop.map((r) => r.name).join(', ')}`);
    for (const r of drop) workload.record(ref, { type: 'normal', reason: 'Retired', message: `scaled down to ${w.replicas}`, object: r.name });
  }

  let createError: unknown;
  let created = 0;
  if (live.length < w.replicas) {
    const res = await createReplicas(c, w.replicas - live.length, d.createConcurrency);
    created = res.created.length;
    createError = res.error;
    if (created) log.info(`${w.appId}: created ${res.created.map((r) => r.name).join(', ')} (${live.length + created}/${w.replicas})`);
    for (const r of res.created) workload.record(ref, { type: 'normal', reason: 'Created', message: 'replica created', object: r.name });
    if (createError !== undefined) workload.record(ref, { type: 'warning', reason: 'CreateFailed', message: messageOf(createError) });
    // Worth a retry: the retry re-derives everything, the release included.
    if (createError instanceof TransientError) throw createError;
  }

  // Frozen replicas keep their old config; the rest are rolled when anything they run from changed.
  const stale = live
    .filter((r) => !frozen.has(r.replicaId))
    .map((replica) => ({ replica, why: isStale(replica, target, pending) ?? (cleared && replica.releaseId !== cleared.id ? `release ${cleared.id}` : undefined) }))
    .filter((s): s is { replica: Replica; why: string } => s.why !== undefined);
  let rolloutError: string | undefined;
  let rolled = 0;
  if (stale.length && createError === undefined) {
    if (held) {
      log.info(`${w.appId}: ${stale.length} replica(s) wait for the release of spec ${hash.slice(0, 8)} (voodu release run ${ref.scope ? `${ref.scope}/` : ''}${ref.name})`);
    } else if (blocked) {
      rolloutError = blocked.error;
    } else {
      log.info(`${w.appId}: rolling ${stale.length} replica(s): ${[...new Set(stale.map((s) => s.why))].join(', ')}`);
      workload.record(ref, { type: 'normal', reason: 'Rolling', message: `rolling ${stale.length} replica(s): ${[...new Set(stale.map((s) => s.why))].join(', ')}` });
      try {
        rolled = await rollOut(c, stale, surgeOf(w.rawSpec['max_surge'], w.replicas));
        workload.record(ref, { type: 'normal', reason: 'Rolled', message: `rolled ${rolled} replica(s): ${[...new Set(stale.map((s) => s.why))].join(', ')}` });
      } catch (err) {
        if (!(err instanceof RolloutStopped)) throw err;
        rolloutError = err.message;
        log.error(`${w.appId}: rollout stopped: ${err.message}; the previous replicas keep serving`);
        workload.record(ref, { type: 'warning', reason: 'RolloutFailed', message: `${err.message}; the previous replicas keep serving` });
      }
    }
  }

  const after = await workload.listAll({ kind: 'deployment', scope: ref.scope, name: ref.name });
  const replicaNames = new Set(after.filter((x) => (x.labels[LABELS.role] ?? 'deployment') === 'deployment').map((x) => x.name));
  const replicaIds = new Set(after.filter((x) => replicaNames.has(x.name)).map((x) => x.labels[LABELS.replicaId] ?? ''));

  const written = await workload.status.patch(ref, (cur) => statusFields(cur, {
    image,
    hash,
    replicas: w.replicas,
    targetKey,
    rolloutError,
    rolledAll: stale.length > 0 && rolled === stale.length,
    converged: createError === undefined && rolled === stale.length,
    readiness,
    replicaNames,
    replicaIds,
    releasePending: held
      ? { spec_hash: hash.slice(0, 8), message: `release {} commands have not run for this spec; run \`voodu release run ${ref.scope ? `${ref.scope}/` : ''}${ref.name}\` to run them and roll the replicas` }
      : undefined,
  }));

  await collectInitContainers(d, after, replicaIds, written);

  if (releaseId && (open || minted)) {
    const outcome: Partial<ReleaseRecord> = {
      spec_hash: hash,
      image,
      status: rolloutError || createError !== undefined ? 'failed' : 'succeeded',
      ended_at: new Date().toISOString(),
      ...(rolloutError ? { error: rolloutError } : createError !== undefined ? { error: messageOf(createError) } : {}),
    };
    if (open) await workload.updateRelease(ref, open.id, outcome);
    else {
      const buildId = builtId(w.rawSpec) ?? (await currentBuild(d.paths, w.appId));
      await workload.appendRelease(ref, {
        id: releaseId,
        status: 'succeeded',
        started_at: startedAt,
        spec_snapshot: w.rawSpec,
        ...(buildId ? { build_id: buildId } : {}),
        ...outcome,
      } as ReleaseRecord);
    }
  }

  // The build that now serves is the app's `current` release (a rollback moves it back too).
  const served = builtId(w.rawSpec);
  if (served && createError === undefined && !rolloutError) {
    const postDeploy = Array.isArray(w.rawSpec['post_deploy']) ? (w.rawSpec['post_deploy'] as string[]) : [];
    await d.builds()?.activate(w.appId, served, postDeploy).catch((err) => d.log.warn(`${w.appId}: could not point current at release ${served}: ${messageOf(err)}`));
  }

  if (createError !== undefined) throw createError;
  if (rolloutError) {
    throw new RolloutFailedError(
      `${formatRef(ref)}: rollout stopped: ${rolloutError}; the previous replicas keep serving (apply a fix, or \`voodu restart ${ref.scope}/${ref.name}\` to try again)`,
      { repeated: blocked !== undefined },
    );
  }
  // Only a reconcile that created or replaced replicas (env changes roll them) is a deploy.
  if (created > 0 || rolled > 0) {
    d.webhooks()?.deploy(
      { ref, slot: 'success', ...(releaseId && { release_id: releaseId }), image, started_at: startedAt, completed_at: new Date().toISOString() },
      (manifest.spec as { on_deploy?: OnDeploySpec } | undefined)?.on_deploy,
    );
  }
}

interface Outcome {
  image: string;
  hash: string;
  replicas: number;
  targetKey: string;
  rolloutError: string | undefined;
  rolledAll: boolean;
  /** Nothing left to roll: a rollout error from an earlier target no longer describes anything. */
  converged: boolean;
  readiness: Record<string, unknown>;
  replicaNames: Set<string>;
  replicaIds: Set<string>;
  /** The spec waits for `/releases/run` (shown by `voodu describe`). */
  releasePending: { spec_hash: string; message: string } | undefined;
}

function statusFields(cur: WorkloadStatus, o: Outcome): Partial<WorkloadStatus> {
  const readiness = Object.entries({ ...(cur.replica_readiness ?? {}), ...o.readiness })
    .filter(([name]) => o.replicaNames.has(name))
    .slice(-READINESS_KEPT);
  const pending = Array.isArray(cur['restart_pending']) ? (cur['restart_pending'] as string[]).filter((id) => o.replicaIds.has(id)) : [];
  const fields: Partial<WorkloadStatus> = {
    image: o.image,
    spec_hash: o.hash,
    replicas: o.replicas,
    releases: cur.releases ?? [],
    init_failures: cur.init_failures ?? [],
    replica_readiness: Object.fromEntries(readiness),
    restart_pending: pending.length ? pending : undefined,
    release_pending: o.releasePending,
  };
  if (o.rolloutError) {
    const blocked: Blocked = { target: o.targetKey, error: o.rolloutError, at: new Date().toISOString() };
    fields.last_rollout_error = o.rolloutError;
    fields.last_rollout_at = (cur['rollout_blocked'] as Blocked | undefined)?.target === o.targetKey ? cur.last_rollout_at : blocked.at;
    fields['rollout_blocked'] = (cur['rollout_blocked'] as Blocked | undefined)?.target === o.targetKey ? cur['rollout_blocked'] : blocked;
  } else if (o.converged) {
    if (cur.last_rollout_error || o.rolledAll) fields.last_rollout_error = '';
    if (o.rolledAll) fields.last_rollout_at = new Date().toISOString();
    fields['rollout_blocked'] = undefined;
  }
  return fields;
}

/**
 * Init containers outlive their chain only as evidence of the latest
 * recorded failure; any other (a crash mid-chain, an older failed attempt)
 * is removed.
 */
async function collectInitContainers(d: DeploymentDeps, all: { id: string; name: string; labels: Record<string, string> }[], live: Set<string>, status: WorkloadStatus): Promise<void> {
  // The newest failure of each init is evidence enough; older attempts would pile up with every retry.
  const newest = new Map<string, string>();
  for (const f of status.init_failures ?? []) newest.set(f.init_name, f.replica_id);
  const evidence = new Set(newest.values());
  const orphans = all.filter((c) => c.labels[LABELS.role] === 'init' && !live.has(c.labels[LABELS.replicaId] ?? '') && !evidence.has(c.labels[LABELS.replicaId] ?? ''));
  await Promise.all(orphans.map((c) => d.runtime.remove(c.id, { force: true }).catch((err) => d.log.warn(`could not remove init container ${c.name}: ${messageOf(err)}`))));
}

/** The build ID `voodu apply` stamped on a build-mode spec. */
function builtId(spec: Record<string, unknown>): string | undefined {
  const id = (spec['build'] as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' && id ? id : undefined;
}

/** Build mode's `apps/<appId>/current` → release dir; its basename is the build id. */
async function currentBuild(paths: Paths, appId: string): Promise<string | undefined> {
  try {
    return basename(await readlink(join(paths.appDir(appId), 'current')));
  } catch {
    return undefined;
  }
}
