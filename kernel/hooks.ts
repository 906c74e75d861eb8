/**
 * Every extension point of the controller, declared in one place (as
 * webpack's Compiler does). Modules tap these; the module that owns a
 * moment calls them. New hooks belong here only when two modules need the
 * same extension point.
 */
import { AsyncParallelHook, AsyncSeriesBailHook, AsyncSeriesHook, HookMap } from 'tapable';
import type { Manifest, ResourceRef } from '../lib/identity.js';

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
  /** Why this reconcile runs: a store event, the boot replay, a runtime event or the periodic resync. */
  cause: 'watch' | 'replay' | 'runtime' | 'resync' | 'manual';
  /** 1 on the first try; the reconciler counts retries of transient failures. */
  attempt: number;
}

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
    onExpand: new HookMap(
      () => new AsyncSeriesBailHook<[Manifest, ExpandContext], Expansion | undefined>(['manifest', 'ctx']),
    ),
    /** Once per apply, on the whole batch, before the dry-run answer or the store write. Taps use stages. */
    onApply: new AsyncSeriesHook<[ApplyBatch]>(['batch']),
    /** Keyed by kind: bring the world in line with one resource's desired state. */
    onReconcile: new HookMap(() => new AsyncSeriesHook<[ReconcileEvent]>(['event'])),
    /** Driven by the kernel's one clock; each tap keeps its own cadence (see ModuleContext.every). */
    onTick: new AsyncParallelHook<[Tick]>(['tick']),
    /** Keyed by action type: the first tap that answers handled the action. */
    onAction: new HookMap(
      () => new AsyncSeriesBailHook<[Action, ActionContext], ActionResult | undefined>(['action', 'ctx']),
    ),
    /** After every module has started: the controller is ready to serve. */
    onStart: new AsyncSeriesHook<[]>([]),
    /** Before modules stop, in the order they were tapped. */
    onStop: new AsyncSeriesHook<[]>([]),
  };
}

export type Hooks = ReturnType<typeof createHooks>;
