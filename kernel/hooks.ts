/**
 * Every extension point of the controller, in one place (as webpack's Compiler). Modules tap these; the
 * module that owns a moment calls them. A new hook belongs here only when two modules need it.
 */
import { AsyncParallelHook, AsyncSeriesBailHook, AsyncSeriesHook, HookMap } from 'tapable';

/**
 * A manifest as it travels the wire and sits in the store. Its shape is
 * declared here because the hooks carry it; lib/identity.ts re-exports it
 * with the names derived from it.
 */
export interface Manifest<Spec = Record<string, unknown>> {
  kind: string;
  /** Empty or absent for unscoped kinds (registry, unscoped assets). */
  scope?: string;
  name: string;
  spec: Spec;
  metadata?: ManifestMetadata;
}

export interface ManifestMetadata {
  /** The out-of-process plugin that produced it (an expansion or a plugin's action); absent for the operator's own. */
  produced_by?: string;
  created_at?: string;
  updated_at?: string;
  revision?: number;
}

/** Identity of a resource: enough to find it, nothing more. */
export interface ResourceRef {
  kind: string;
  scope: string;
  name: string;
}

/** An instruction a plugin or an expansion hands back for the controller (or the CLI) to carry out. */
export interface Action {
  type: string;
  [field: string]: unknown;
}

/** What an `onExpand` tap answers: core-kind manifests, plus actions to run before they are stored. */
export interface Expansion {
  manifests: Manifest[];
  actions?: Action[];
}

export interface ExpandContext {
  dryRun: boolean;
  /** Merged config buckets for the manifest's (scope, name). */
  config: Record<string, string>;
}

/** The whole batch of one apply request, passed through every `onApply` stage. */
export interface ApplyBatch {
  manifests: Manifest[];
  dryRun: boolean;
  prune: boolean;
  force: boolean;
  /** Free-form report the stages add to (plugin_expansions, image_pulls, …) and the answer carries. */
  report: Record<string, unknown>;
  /** Actions expansions asked for; run just before the commit (never on a dry run). */
  actions: { action: Action; source: string }[];
  /** One line of progress of long work a stage does (a plugin install), for a caller that follows it; absent when nobody does. */
  progress?: (line: string) => void;
}

export interface ReconcileEvent {
  type: 'put' | 'delete';
  ref: ResourceRef;
  /** Present on put. */
  manifest?: Manifest;
  /** Put: the manifest key's mod revision (a re-put of the same value makes a new one). Delete: the store's. */
  revision: number;
  /** Put: the key's version (puts since it was created), so a reconcile can tell one write since it last looked from several. */
  version?: number;
  /** Why this reconcile runs: a store event, the boot replay, a runtime event, the periodic resync, or a requeue an earlier one asked for. */
  cause: 'watch' | 'replay' | 'runtime' | 'resync' | 'manual' | 'requeue';
  /** 1 on the first try; the reconciler counts retries of transient failures. */
  attempt: number;
}

/** What an `onReconcile` promise tap may answer, as controller-runtime's Result: look at this resource again in `requeueAfter` ms. */
export type ReconcileResult = { requeueAfter?: number };
type ReconcileHook = AsyncSeriesHook<[ReconcileEvent]> & { tapPromise(options: string | { name: string; stage?: number; before?: string }, fn: (event: ReconcileEvent) => Promise<ReconcileResult | void>): void };

export interface Tick {
  /** Wall-clock time of this tick (ms since epoch); ticks land on whole seconds. */
  now: number;
  seq: number;
}

export interface ActionContext {
  /** Who asked: `plugin:<name>`, `expand:<kind>`, a module name. */
  source: string;
  dryRun: boolean;
}

export interface ActionResult {
  /** One-line human summary (`config_set pg/db: 2 keys`). */
  applied?: string;
  /** Returned to the CLI to carry out locally (exec_local, fetch_file). */
  client?: Action;
}

export function createHooks() {
  return {
    /** Keyed by manifest kind: the first tap that answers replaces the manifest with core kinds. */
    onExpand: new HookMap(() => new AsyncSeriesBailHook<[Manifest, ExpandContext], Expansion | undefined>(['manifest', 'ctx'])),
    /** Once per apply, on the whole batch, before the dry-run answer or the store write. Taps use stages. */
    onApply: new AsyncSeriesHook<[ApplyBatch]>(['batch']),
    /** Keyed by kind: bring the world in line with one resource's desired state. Typed so a promise tap may answer a ReconcileResult (tapable types series taps as answering nothing); the reconciler reads it. */
    onReconcile: new HookMap(() => new AsyncSeriesHook<[ReconcileEvent]>(['event']) as ReconcileHook),
    /** Driven by the kernel's one clock; each tap keeps its own cadence (see ModuleContext.every). */
    onTick: new AsyncParallelHook<[Tick]>(['tick']),
    /** Keyed by action type: the first tap that answers handled the action. */
    onAction: new HookMap(() => new AsyncSeriesBailHook<[Action, ActionContext], ActionResult | undefined>(['action', 'ctx'])),
    /** After every module has started: the controller is ready to serve. */
    onStart: new AsyncSeriesHook<[]>([]),
    /** Before modules stop, in the order they were tapped. */
    onStop: new AsyncSeriesHook<[]>([]),
  };
}

export type Hooks = ReturnType<typeof createHooks>;
