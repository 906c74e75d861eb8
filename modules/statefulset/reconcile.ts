/**
 * One statefulset put, level-triggered: a new pod must be ready before the
 * next is touched, and a pod stopped by hand is repaired. Ordinals are identities: pod N is always `<app>.<N>` with the
 * same volumes and DNS. So unlike a deployment, a pod is replaced in place
 * (its volume has one writer), one at a time, top-down; creation goes
 * bottom-up and waits for each pod to be ready before the next.
 */
import { type Logger } from '../../kernel/index.js';
import { VooduError } from '../../lib/errors.js';
import { formatRef, type Manifest, type ResourceRef } from '../../lib/identity.js';
import type { RepairBackoff } from '../../lib/repair-backoff.js';
import type { PodCredential } from '../pod-api/contract.js';
import type { Runtime } from '../runtime/contract.js';
import type { EnvSync, ManifestAt, ReleaseRecord, Replica, ReplicaPlan, Workload, WorkloadService, WorkloadStatus } from '../workload/contract.js';
import { podAliases, podName, volumeLabels, volumeName } from './naming.js';
import type { Rebootstrap } from './ops.js';

export interface StatefulsetDeps {
  workload: WorkloadService;
  /** The spec stored right now (undefined when deleted): to tell a stale reconcile from a superseded rollback. */
  storedSpec(ref: ResourceRef): Promise<unknown>;
  runtime: Runtime;
  log: Logger;
  backoff: RepairBackoff;
  later(ref: ResourceRef, ms: number): void;
  signal: AbortSignal;
  readyTimeoutMs: number;
  /** A new pod's callback credential (`VOODU_CONTROLLER_URL` and the label recording it), while the pod API is open. */
  podCredential(pod: { scope: string; plugin?: string }): PodCredential | undefined;
}

/** A pod that never became ready: the rollout stops there, and the reconcile reports it. */
export class PodNotReadyError extends VooduError {
  override readonly code = 'rollout_failed';
}

interface Target {
  hash: string;
  /** Env hashes that count as current (`workload.envTarget`): a no-restart config change adds one, it rolls nobody. */
  envHashes: ReadonlySet<string>;
  imageId: string;
}

const isUp = (r: Replica) => r.state === 'running' || r.state === 'restarting';

function staleWhy(pod: Replica, t: Target, pending: Set<string>): string | undefined {
  if (pending.has(pod.replicaId)) return 'restart requested';
  if (pod.hash !== t.hash) return 'spec changed';
  if (!t.envHashes.has(pod.envHash)) return 'env changed';
  if (pod.imageId && pod.imageId !== t.imageId) return 'image changed';
  return undefined;
}

/** `at`: where `manifest` stands in the store (the put event's revision), which decides whether env drift rolls. */
export async function reconcileStatefulset(d: StatefulsetDeps, ref: ResourceRef, manifest: Manifest, at: ManifestAt): Promise<void> {
  const { workload, log } = d;
  const startedAt = new Date().toISOString();
  const w = workload.defaults('statefulset', ref, (manifest.spec ?? {}) as Record<string, unknown>);
  const hash = await workload.specHash(w);
  const env = await workload.syncEnv(w);
  const image = await workload.resolvedImage(w);
  const imageId = await workload.ensureImage(ref, image);
  const id = { kind: 'statefulset' as const, scope: ref.scope, name: ref.name };

  const status = await workload.status.read(ref);
  const frozen = await workload.frozen.get(ref);
  const pending = new Set(Array.isArray(status['restart_pending']) ? (status['restart_pending'] as string[]) : []);
  let live = await workload.list(id);

  let open = status.releases?.[0]?.status === 'running' ? status.releases[0] : undefined;
  if (open && JSON.stringify(open.spec_snapshot) !== JSON.stringify(manifest.spec)) {
    // Begun before the rollback landed: its watch event re-runs this reconcile with the right spec.
    if (JSON.stringify(open.spec_snapshot) === JSON.stringify(await d.storedSpec(ref))) return;
    await workload.updateRelease(ref, open.id, { status: 'failed', error: 'superseded by a newer apply', ended_at: startedAt });
    open = undefined;
  }
  // After the check above: a reconcile of a manifest already replaced must not move the env target.
  const envTarget = await workload.envTarget(w, env, at);
  const target: Target = { hash, envHashes: envTarget.current, imageId };
  const mint =
    !status.spec_hash ||
    status.spec_hash !== hash ||
    (!!status.replicas && status.replicas !== w.replicas) ||
    live.some((r) => r.imageId && r.imageId !== imageId);
  const releaseId = open?.id ?? (mint ? workload.newReleaseId() : undefined);

  const producedBy = manifest.metadata?.produced_by;
  const plan = (ordinal: number): ReplicaPlan => {
    // Minted per container: a recreated pod gets a new token and the old one dies with its container.
    const credential = d.podCredential({ scope: ref.scope, ...(producedBy ? { plugin: producedBy } : {}) });
    return {
      name: podName(w.appId, ordinal),
      replicaId: String(ordinal),
      ordinal,
      aliases: podAliases(ref, ordinal),
      hash,
      ...(releaseId ? { releaseId } : {}),
      identityEnv: { VOODU_REPLICA_ORDINAL: String(ordinal), ...credential?.env },
      ...(credential ? { identityLabels: credential.labels } : {}),
      extraVolumes: w.volumeClaims.map((c) => `${volumeName(ref, c.name, ordinal)}:${c.mount_path}`),
    };
  };
  const createPod = (ordinal: number) => startPod(d, w, env, plan(ordinal));

  // Rebootstraps asked for (DELETE /resource?…&ordinal=N): the pod goes, with prune its volumes too.
  const rebuild = (status['rebootstrap_pending'] as Rebootstrap[] | undefined) ?? [];
  let lastRebootstrap: Record<string, unknown> | undefined;
  for (const r of rebuild) {
    const pod = live.find((p) => p.ordinal === r.ordinal);
    if (pod) await workload.retire(pod.id, { drain: true });
    const volumes_removed: string[] = [];
    if (r.prune) {
      for (const v of await d.runtime.listVolumes({ ...volumeLabels(ref, '', r.ordinal), 'voodu.claim': true })) {
        await d.runtime.removeVolume(v.name);
        volumes_removed.push(v.name);
      }
    }
    lastRebootstrap = { ordinal: r.ordinal, container_removed: pod?.name ?? '', volumes_removed, at: new Date().toISOString() };
    log.info(`${w.appId}: rebootstrap of pod ${r.ordinal}${r.prune ? ` (removed ${volumes_removed.join(', ') || 'no volumes'})` : ''}`);
  }
  live = live.filter((p) => !rebuild.some((r) => r.ordinal === p.ordinal));

  // Scale down top-down, and drop anything that is not a pod of a valid ordinal.
  const extra = live
    .filter((r) => r.ordinal === undefined || r.ordinal >= w.replicas || live.findIndex((x) => x.ordinal === r.ordinal) !== live.indexOf(r))
    .sort((a, b) => (b.ordinal ?? -1) - (a.ordinal ?? -1));
  for (const pod of extra) await workload.retire(pod.id, { drain: true });
  if (extra.length) log.info(`${w.appId}: removed ${extra.map((p) => p.name).join(', ')} (scale down to ${w.replicas})`);
  for (const p of extra) workload.record(ref, { type: 'normal', reason: 'Retired', message: `scaled down to ${w.replicas}`, object: p.name });
  live = live.filter((r) => !extra.includes(r));

  // Repair: a pod stopped by hand (not frozen) is recreated, with a backoff for crash loops.
  const down = live.filter((r) => !isUp(r) && !frozen.has(r.replicaId));
  if (down.length) {
    const wait = d.backoff.delay(w.appId);
    if (wait > 0) {
      log.warn(`${w.appId}: ${down.map((r) => r.name).join(', ')} stopped; repairing again in ${Math.ceil(wait / 1000)} s (backing off)`);
      for (const r of down) workload.record(ref, { type: 'warning', reason: 'BackOff', message: 'pod stopped again soon after its repair; repairing later (backing off)', object: r.name });
      d.later(ref, wait);
    } else {
      d.backoff.record(w.appId);
      for (const pod of down) await workload.retire(pod.id);
      log.info(`${w.appId}: removed stopped ${down.map((r) => r.name).join(', ')} (repair)`);
      for (const r of down) workload.record(ref, { type: 'normal', reason: 'Repaired', message: 'pod found stopped; recreating it on its volumes', object: r.name });
      live = live.filter((r) => !down.includes(r));
    }
  }

  let rolloutError: string | undefined;
  const created = new Set<number>();
  try {
    // Scale up bottom-up; frozen ordinals stay empty.
    const have = new Set(live.map((r) => r.ordinal));
    for (let n = 0; n < w.replicas; n++) {
      if (have.has(n) || frozen.has(String(n))) continue;
      await createPod(n);
      created.add(n);
      log.info(`${w.appId}: pod ${podName(w.appId, n)} ready (${n + 1}/${w.replicas})`);
      workload.record(ref, { type: 'normal', reason: 'Created', message: 'pod created and ready', object: podName(w.appId, n) });
    }

    // Roll what is stale, top-down, one pod at a time.
    const stale = live
      .filter((r) => r.ordinal !== undefined && !created.has(r.ordinal) && !frozen.has(r.replicaId) && isUp(r))
      .map((pod) => ({ pod, why: staleWhy(pod, target, pending) }))
      .filter((s): s is { pod: Replica; why: string } => s.why !== undefined)
      .sort((a, b) => b.pod.ordinal! - a.pod.ordinal!);
    if (stale.length) {
      log.info(`${w.appId}: rolling ${stale.length} pod(s) top-down: ${[...new Set(stale.map((s) => s.why))].join(', ')}`);
      workload.record(ref, { type: 'normal', reason: 'Rolling', message: `rolling ${stale.length} pod(s) top-down: ${[...new Set(stale.map((s) => s.why))].join(', ')}` });
    }
    for (const [i, { pod }] of stale.entries()) {
      await workload.retire(pod.id, { drain: true });
      await createPod(pod.ordinal!);
      log.info(`${w.appId}: rolled ${pod.name} (${i + 1}/${stale.length})`);
    }
    if (stale.length) workload.record(ref, { type: 'normal', reason: 'Rolled', message: `rolled ${stale.length} pod(s) top-down: ${[...new Set(stale.map((s) => s.why))].join(', ')}` });
  } catch (err) {
    if (!(err instanceof PodNotReadyError)) throw err;
    rolloutError = err.message;
    log.error(`${w.appId}: rollout stopped: ${rolloutError}`);
    workload.record(ref, { type: 'warning', reason: 'RolloutFailed', message: rolloutError });
  }

  const remaining = new Set((await workload.list(id)).map((r) => r.replicaId));
  await workload.status.patch(ref, (cur: WorkloadStatus) => ({
    image,
    spec_hash: hash,
    replicas: w.replicas,
    last_rollout_error: rolloutError ?? '',
    last_rollout_at: new Date().toISOString(),
    restart_pending: rolloutError ? (cur['restart_pending'] as string[] | undefined) : undefined,
    ...(rebuild.length ? { rebootstrap_pending: undefined, last_rebootstrap: lastRebootstrap } : {}),
    replica_readiness: Object.fromEntries(Object.entries(cur.replica_readiness ?? {}).filter(([name]) => remaining.has(name.split('.').pop() ?? ''))),
  }));

  if (releaseId) {
    const outcome: Partial<ReleaseRecord> = {
      spec_hash: hash,
      image,
      status: rolloutError ? 'failed' : 'succeeded',
      ended_at: new Date().toISOString(),
      ...(rolloutError ? { error: rolloutError } : {}),
    };
    if (open) await workload.updateRelease(ref, open.id, outcome);
    else await workload.appendRelease(ref, { id: releaseId, started_at: startedAt, spec_snapshot: w.rawSpec, ...outcome } as ReleaseRecord);
  }
  if (rolloutError) throw new PodNotReadyError(`${formatRef(ref)}: ${rolloutError}`);
}

/** Volumes, inits, the pod, then its readiness: a pod that is not ready stops whoever is waiting. */
async function startPod(d: StatefulsetDeps, w: Workload, env: EnvSync, plan: ReplicaPlan): Promise<void> {
  const ordinal = plan.ordinal!;
  for (const claim of w.volumeClaims) {
    await d.runtime.createVolume(volumeName(w.ref, claim.name, ordinal), volumeLabels(w.ref, claim.name, ordinal));
  }
  await d.workload.runInits(w, env, plan, { signal: d.signal });
  const container = await d.runtime.run(await d.workload.containerSpec(w, env, plan));
  const result = await d.workload.readiness.waitReady(
    { name: container.name, id: container.id },
    { probes: w.probes, timeoutMs: d.readyTimeoutMs, signal: d.signal },
  );
  if (!result.ready) {
    throw new PodNotReadyError(`pod ${plan.name} did not become ready${result.reason ? `: ${result.reason}` : ''}`);
  }
}

export async function deleteStatefulset(d: Pick<StatefulsetDeps, 'workload' | 'log'>, ref: ResourceRef): Promise<void> {
  const all = await d.workload.listAll({ kind: 'statefulset', scope: ref.scope, name: ref.name });
  const ordinalOf = (labels: Record<string, string>) => Number(labels['voodu.replica_ordinal'] ?? -1);
  all.sort((a, b) => ordinalOf(b.labels) - ordinalOf(a.labels));
  for (const c of all) await d.workload.retire(c.id, { drain: true });
  await d.workload.status.clear(ref);
  await d.workload.frozen.clear(ref);
  if (all.length) d.log.info(`${formatRef(ref)}: removed ${all.map((c) => c.name).join(', ')}; volumes kept (delete with --prune to remove them)`);
}
