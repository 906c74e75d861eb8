/**
 * The `workload` service: everything deployments and statefulsets share,
 * kind-neutral: defaults, container labels, the spec hash, freezes, inits,
 * releases and status shapes (docs/kinds.md, docs/api.md). A kind module (deployment, statefulset) owns *what* to do —
 * scale, roll, order — and asks here *how*: defaults, hash, env, the
 * container of one replica, labels, freezes, inits, releases, status and
 * readiness.
 *
 * Typical reconcile of a put:
 *
 *   const w = workload.defaults('deployment', event.ref, event.manifest.spec); // ValidationError on bad networking
 *   const hash = await workload.specHash(w);                               // before ${asset…} interpolation
 *   const env = await workload.syncEnv(w);                                 // env file(s) + their hash
 *   const live = await workload.list(w.ref);                               // replicas, running and stopped
 *   …
 *   await workload.runInits(w, env, replica);                              // throws InitFailedError
 *   await runtime.run(await workload.containerSpec(w, env, replica));
 *
 * Imperative ops: `POST /restart` and `POST /rollback` are served once (by
 * the deployment module) and dispatched by kind to the `WorkloadOps` a kind
 * module registered with `workload.registerOps(kind, ops)`.
 *
 * Readiness: `workload.readiness` is the gate a zero-downtime rollout waits
 * on. For a workload with a readiness or startup probe it asks the module
 * that runs probes — the optional `readiness` service (listed in
 * `optional`, so its provider registers first), or whatever was passed to
 * `setReadiness(r)`, which wins. Every other replica is judged by the grace
 * gate: "still running after a grace period (3 s) and never restarted or
 * exited".
 */
import { type ResourceRef } from '../../lib/identity.js';
import type {
  AutoscaleSpec,
  InitSpec,
  LogsSpec,
  ProbesSpec,
  ResourcesSpec,
  VolumeClaim,
} from '../../lib/manifest/types.js';
import type { ContainerSpec, ContainerSummary } from '../runtime/contract.js';
import type { NewEvent } from '../events/contract.js';

/**
 * `job` and `cronjob` borrow defaults, env sync, the container spec, listing
 * and the status store for their run containers (modules/job); no replicas,
 * hash, releases, freezes or ops of their own.
 */
/** A kind with the kind registry's `workload` role (deployment, statefulset, job, cronjob among the core kinds). */
export type WorkloadKind = string;

/** Container labels, the reference's names so existing hosts keep working (docs/names.md). `voodu.env_hash` is ours: the env a replica was started with. */
export const LABELS = {
  createdBy: 'createdby',
  kind: 'voodu.kind',
  scope: 'voodu.scope',
  name: 'voodu.name',
  replicaId: 'voodu.replica_id',
  hash: 'voodu.manifest_hash',
  createdAt: 'voodu.created_at',
  releaseId: 'voodu.release_id',
  ordinal: 'voodu.replica_ordinal',
  role: 'voodu.role',
  envHash: 'voodu.env_hash',
} as const;

/**
 * A workload manifest after the controller's reconcile-time defaults (image
 * `<appId>:latest` when empty — for statefulsets too, so build-mode
 * statefulsets work as documented; networks
 * with voodu0 last in bridge mode; `restart` unless-stopped; replicas ≥ 1;
 * logs 10m×3). Fields still hold `${asset…}` text: `containerSpec`
 * interpolates, `specHash` must not.
 */
export interface Workload {
  kind: WorkloadKind;
  ref: ResourceRef;
  /** `<scope>-<name>`: env dir, status key, container name prefix. */
  appId: string;
  image: string;
  command?: string[];
  /** The manifest's own env (values stringified), the lowest layer of the env file after env_from. */
  env: Record<string, string>;
  envFrom: string[];
  /** As written (loopback normalisation happens in the runtime; the hash normalises its copy). */
  ports: string[];
  volumes: string[];
  /** Bridge mode: operator networks then voodu0. Empty for host/none. */
  networks: string[];
  networkMode: '' | 'host' | 'none';
  restart: string;
  /** Desired count, ≥ 1 (deployment: clamped into autoscale bounds when present). */
  replicas: number;
  extraHosts: string[];
  capAdd: string[];
  ulimits: Record<string, string>;
  /** `stop_grace_period` in whole seconds (rounded up), when set. */
  stopGraceSec?: number;
  stopSignal?: string;
  dnsOptions: string[];
  dockerOptions: string[];
  resources?: ResourcesSpec;
  logs: LogsSpec;
  probes?: ProbesSpec;
  inits: InitSpec[];
  autoscale?: AutoscaleSpec;
  volumeClaims: VolumeClaim[];
  buildArgs?: Record<string, string>;
  /** `spec._asset_digests` as stamped by /apply. */
  assetDigests?: Record<string, string>;
  /** True when the deployment's `release {}` block has a command: rollouts then wait for `/releases/run`. */
  hasReleaseBlock: boolean;
  /** The manifest's spec as stored: what a release record snapshots. */
  rawSpec: Record<string, unknown>;
}

/** What `syncEnv` leaves behind for the containers of one reconcile. */
export interface EnvSync {
  /** The own env file's content differs from what was there before this write. */
  changed: boolean;
  /**
   * 16 hex of sha256 over every env file a replica reads (env_from files in
   * order, then the own file). Stamped as `voodu.env_hash`: a replica whose
   * label differs runs stale env, whoever rewrote the file (a reconcile or
   * `POST /config`, which writes the file before the fan-out).
   */
  hash: string;
  /** `--env-file` order: existing env_from files, then the own file. */
  files: string[];
  /** env_from refs whose file is missing (skipped, logged once per sync). */
  missing: string[];
}

/**
 * `status.env_target`: the env replicas should run (modules/workload/env-target.ts).
 * A no-restart config change rewrites the env file but not the manifest, so
 * it moves nothing here; a rewrite of the manifest (the fan-out of a config
 * change that restarts, an apply, a rollback) does.
 */
export interface EnvTargetRecord {
  /** The env hash replicas should carry: the env at the last rewrite of the manifest. */
  hash: string;
  /** The manifest's mod revision and version (puts since creation) this record last saw. */
  revision: number;
  version?: number;
  /** 16 hex over the spec without `replicas`, and `replicas` as stored: to tell a scale from a re-put. */
  shape: string;
  replicas: unknown;
  /** Env hashes reconciles computed while this target stood, oldest first, capped. */
  seen: string[];
}

/** Where a reconcile's manifest stands in the store: the put event's revision and version. */
export interface ManifestAt {
  /** The manifest key's mod revision (never the store's head revision). */
  revision: number;
  /** Puts of the key since it was created; absent when the caller does not know it. */
  version?: number;
}

/** What `workload.envTarget` answers for one reconcile. */
export interface EnvTarget {
  /** The env hash replicas were last asked to carry (what a blocked rollout is keyed on). */
  hash: string;
  /**
   * A replica whose `voodu.env_hash` is in here is current on env: the target,
   * the env this reconcile synced, and every env synced since the target was
   * chosen (replicas created meanwhile run one of them).
   */
  current: ReadonlySet<string>;
  /** This reconcile moved the target (first reconcile, or the manifest was rewritten). */
  moved: boolean;
}

/** One replica to create (or an init chain to run for it). */
export interface ReplicaPlan {
  /** Container name: `<scope>-<name>.<4 hex>` (deployment) or `<scope>-<name>.<ordinal>` (statefulset). */
  name: string;
  /** `voodu.replica_id` and `VOODU_REPLICA_ID`: the 4 hex, or the ordinal as text. */
  replicaId: string;
  /** Statefulset only: `voodu.replica_ordinal`. */
  ordinal?: number;
  /** DNS aliases on every bridge network (lowercased by the runtime). Init containers get none. */
  aliases: string[];
  /** Spec hash stamped as `voodu.manifest_hash`. */
  hash: string;
  /** `voodu.release_id`; omitted/empty = not stamped. */
  releaseId?: string;
  /** Extra `-e` on top of the platform identity (statefulset: VOODU_REPLICA_ORDINAL, VOODU_CONTROLLER_URL). */
  identityEnv?: Record<string, string>;
  /** Extra labels (the pod token's record). Never part of the spec hash. */
  identityLabels?: Record<string, string>;
  /** Volumes appended after the workload's (statefulset claim mounts `<vol>:<path>`). */
  extraVolumes?: string[];
}

/** A live replica: a container with the workload's identity labels and role = kind. */
export interface Replica extends ContainerSummary {
  replicaId: string;
  hash: string;
  envHash: string;
  releaseId: string;
  ordinal?: number;
}

/** One exhausted init chain. Ring of 10 on the status blob. */
export interface InitFailure {
  replica_id: string;
  init_name: string;
  exit_code: number;
  error: string;
  attempts: number;
  recorded_at: string;
}

/** One release in a deployment's history (`voodu describe`, `voodu rollback`). */
export interface ReleaseRecord {
  id: string;
  rolled_back_from?: string;
  spec_hash: string;
  image?: string;
  build_id?: string;
  status: 'running' | 'succeeded' | 'failed';
  started_at: string;
  ended_at?: string;
  error?: string;
  spec_snapshot: Record<string, unknown>;
  /** The image's ID a `release {}` run ran and rolled (a rebuilt `:latest` is another release). */
  image_id?: string;
  pre_exit_code?: number;
  exit_code?: number;
  post_exit_code?: number;
  /**
   * Set while a `release {}` run is under way (modules/release). `pre_command`/`command`: the
   * commands run, nothing may roll to this spec yet; `rollout`/`post_command`: they succeeded, the
   * reconcile may roll. Such a record is the release module's to finish, never a reconcile's.
   */
  phase?: 'pre_command' | 'command' | 'rollout' | 'post_command';
}

/** A deployment's status record (statefulsets use the same shape), plus our rollout report. */
export interface WorkloadStatus {
  image?: string;
  spec_hash?: string;
  replicas?: number;
  releases?: ReleaseRecord[];
  init_failures?: InitFailure[];
  replica_readiness?: Record<string, unknown>;
  /** Why the last rollout stopped (empty after a rollout that finished). */
  last_rollout_error?: string;
  last_rollout_at?: string;
  last_reconcile_error?: string;
  last_reconcile_at?: string;
  env_target?: EnvTargetRecord;
  [field: string]: unknown;
}

export interface ReadyOptions {
  /** The workload's `probes` block, for gates that run probes; the default gate ignores it. */
  probes?: unknown;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface ReadyResult {
  ready: boolean;
  /** Why not (or a note on how readiness was judged). */
  reason?: string;
}

/** The gate a rollout waits on before retiring an old replica: a new one must be ready first, so a rollout never drops capacity. */
export interface Readiness {
  waitReady(container: { name: string; id: string }, opts: ReadyOptions): Promise<ReadyResult>;
}

/** `/frozen/<kind>s/<scope>/<name>` `{replica_ids}`; an empty set deletes the key. */
export interface FrozenSets {
  get(ref: ResourceRef): Promise<Set<string>>;
  add(ref: ResourceRef, replicaId: string): Promise<void>;
  remove(ref: ResourceRef, replicaId: string): Promise<boolean>;
  /** Returns the ids that were frozen. */
  clear(ref: ResourceRef): Promise<string[]>;
}

/** Read-modify-write of `/status/<kind>s/<appId>`, keeping every field the caller does not touch. */
export interface StatusStore {
  read(ref: ResourceRef): Promise<WorkloadStatus>;
  /** `change` gets the current blob (`{}` when none) and returns fields to set; `undefined` values delete. Retried on a concurrent write. */
  patch(ref: ResourceRef, change: Partial<WorkloadStatus> | ((cur: WorkloadStatus) => Partial<WorkloadStatus>)): Promise<WorkloadStatus>;
  clear(ref: ResourceRef): Promise<void>;
}

/** `POST /restart` answer. */
export interface RestartAnswer {
  scope: string;
  name: string;
  kind: WorkloadKind;
  /** Replica ids whose freeze the restart lifted (a restart clears the whole frozen list). */
  unfroze: string[];
  /** Replicas the restart replaces. */
  replicas: number;
}

/** `POST /rollback` answer. */
export interface RollbackAnswer {
  scope: string;
  name: string;
  kind: WorkloadKind;
  /** The release whose snapshot is now the desired spec. */
  rolled_back_to: string;
  new_release: string;
}

/**
 * What the imperative endpoints do for one kind. The routes (`POST
 * /restart`, `POST /rollback`, served by the deployment module) dispatch by
 * kind to whichever module registered here, so a statefulset module needs
 * no routes of its own: `workload.registerOps('statefulset', ops)` in its
 * `register`. An unregistered kind answers 404.
 */
export interface WorkloadOps {
  /** `wait`: resolve when the rolling restart is done (its error, if any, is thrown). */
  restart(ref: ResourceRef, opts: { wait: boolean }): Promise<RestartAnswer>;
  /** `releaseId` empty: the newest succeeded release older than the current spec. */
  rollback(ref: ResourceRef, opts: { releaseId?: string; wait: boolean }): Promise<RollbackAnswer>;
}

export interface WorkloadService {
  /** The controller's reconcile-time defaults. ValidationError naming the field on a bad network_mode, or network_mode host/none next to networks. */
  defaults(kind: WorkloadKind, ref: ResourceRef, spec: Record<string, unknown>): Workload;
  /**
   * sha256 hex over the kind's field set (deployment:
   * with env_from; statefulset: with env_from and volume_claims), build args
   * from `build.args`, assets from the stamped digests (or `/status/assets`
   * for unstamped legacy specs), never webhooks, replicas or release.
   */
  specHash(w: Workload): Promise<string>;
  /**
   * Decision 5: writes `apps/<appId>/shared/.env` = manifest env < scope
   * config < app config, with `${ref…}` (TransientError when unresolved) and
   * `${asset…}` resolved in values. The manifest env is NOT also passed as
   * `-e`: only the VOODU_* identity is, so `voodu config set` wins.
   */
  syncEnv(w: Workload): Promise<EnvSync>;
  /**
   * The env the replicas of this reconcile should run, given the env just
   * synced and where the manifest stands: env drift alone rolls replicas
   * only after the manifest was rewritten (a no-restart config change leaves
   * running replicas alone until their next natural re-creation). Stores
   * `status.env_target` when it changed, before anything is created.
   */
  envTarget(w: Workload, env: EnvSync, at: ManifestAt): Promise<EnvTarget>;
  /**
   * The runtime spec of one replica: labels (role = kind), aliases,
   * env files + identity env, ports/volumes/command/image with `${asset…}`
   * interpolated (assets materialised first), resources, logs, ulimits
   * (defaults nofile/nproc), extra_hosts, cap_add, restart. `docker_options`
   * have no engine-API spelling and are not applied (logged once).
   */
  containerSpec(w: Workload, env: EnvSync, replica: ReplicaPlan): Promise<ContainerSpec>;
  /** Replicas of the workload (role = kind; init containers excluded), running and stopped, oldest first. */
  list(ref: ResourceRef & { kind: WorkloadKind }): Promise<Replica[]>;
  /** Every container carrying the identity labels, whatever its role (init, release, …). */
  listAll(ref: ResourceRef & { kind: WorkloadKind }): Promise<ContainerSummary[]>;
  /**
   * Takes one container out of service; idempotent: stop (SIGTERM, SIGKILL
   * after `timeoutSec`, default the container's stop_grace_period, else 10) with its networks still attached, so it
   * can finish in-flight work while new connections are refused, then
   * force-remove. `drain` names that intent at call sites that retire a
   * serving replica.
   */
  retire(idOrName: string, opts?: { timeoutSec?: number; drain?: boolean }): Promise<void>;
  /** True when `image`'s current ID differs from the one `container` was created from. */
  imageDrifted(container: Pick<ContainerSummary, 'imageId'>, image: string): Promise<boolean>;
  /** Resolved image reference (with `${asset…}` interpolated), as containers use it. */
  resolvedImage(w: Workload): Promise<string>;
  /** The image's local ID, pulled when absent; the pull (or its failure) is an event of `ref`. */
  ensureImage(ref: ResourceRef, image: string): Promise<string>;
  /** An event of `ref` in its log (modules/events), when the events module runs; otherwise nothing. */
  record(ref: ResourceRef, event: NewEvent): void;

  /**
   * The init chain before one replica, sequentially in declared order;
   * each attempt is a fresh container `<appId>-init-<init>-<replicaId>` with
   * the replica's env, volumes and networks but NO DNS aliases, no ports, no
   * restart policy. Retries 2 s apart; timeout kills the attempt. Exhausted
   * → InitFailure on the status ring (10) and InitFailedError (not
   * transient). Success clears that replica's failure records.
   */
  runInits(w: Workload, env: EnvSync, replica: ReplicaPlan, opts?: { signal?: AbortSignal }): Promise<void>;

  /** A new release id: base36(unix seconds) + 2 hex, so ids sort by time. */
  newReleaseId(): string;
  /** Prepends `record` to `status.releases`, capped at 10. */
  appendRelease(ref: ResourceRef, record: ReleaseRecord): Promise<void>;
  /** Updates the record `id` in place (e.g. a `running` record that finished); false when it is gone. */
  updateRelease(ref: ResourceRef, id: string, fields: Partial<ReleaseRecord>): Promise<boolean>;
  /**
   * Decision 9 for `release {}` deployments: the release that cleared (spec hash, image ID) to be
   * rolled out — the newest record for that hash (and image, when the record names one) that
   * succeeded or whose commands did. Undefined: its release commands have not run yet. The
   * deployment reconcile gates rollouts on it and `/releases/run` skips on it, so the two agree.
   */
  clearedRelease(releases: ReleaseRecord[] | undefined, hash: string, imageId: string): ReleaseRecord | undefined;

  readonly frozen: FrozenSets;
  readonly status: StatusStore;

  registerOps(kind: WorkloadKind, ops: WorkloadOps): void;
  /**
   * Restart and rollback as intents the kind's reconcile carries out: restart
   * puts the replicas to replace in `status.restart_pending` (and lifts
   * freezes); rollback appends a `running` release record and re-puts the
   * snapshot spec. What a kind module registers unless it needs its own.
   */
  standardOps(kind: WorkloadKind): WorkloadOps;
  opsFor(kind: WorkloadKind): WorkloadOps | undefined;

  /** How long the default readiness gate wants a replica running before it counts as ready (no readiness probe). */
  readonly graceMs: number;
  /** The current readiness gate (see the file comment for who provides it). */
  readonly readiness: Readiness;
  setReadiness(r: Readiness): void;
}

declare module '../../kernel/services.js' {
  interface ServiceMap {
    workload: WorkloadService;
    /** Optional: a better readiness gate (probes). The workload module prefers it over its default. */
    readiness: Readiness;
  }
}
