/**
 * What a module is. A module is a value with a name, the services it needs
 * and provides, and a `register` that taps hooks, provides services and
 * returns what to do at start and stop. Core and community modules are the
 * same shape.
 */
import type { Hooks, Tick } from './hooks.js';
import type { Logger } from './log.js';
import type { ServiceName, ServiceOf } from './services.js';

export interface ModuleHandle {
  /** Open servers, watchers and children. Throwing stops the controller with a message naming the module. */
  start?(): Promise<void> | void;
  /** Release everything `start` opened. Called in reverse start order; errors are logged, not thrown. */
  stop?(): Promise<void> | void;
}

export interface ModuleContext<Options = Record<string, unknown>> {
  /** This module's name, used in logs and error messages. */
  readonly name: string;
  readonly options: Options;
  readonly hooks: Hooks;
  readonly log: Logger;
  /** Provide a service declared in `provides`. */
  provide<N extends ServiceName>(name: N, value: ServiceOf<N>): void;
  /** Resolve a service; a missing one is an error naming this module. */
  service<N extends ServiceName>(name: N): ServiceOf<N>;
  has(name: ServiceName): boolean;
  /** Run `fn` on the kernel clock at most every `ms`, never overlapping itself. */
  every(ms: number, fn: (tick: Tick) => Promise<void> | void): void;
}

export interface VooduModule<Options = Record<string, unknown>> {
  name: string;
  description?: string;
  /** Services this module needs; their providers register first. */
  requires?: ServiceName[];
  /** Services used when present; ordering only, no error when absent. */
  optional?: ServiceName[];
  /** Services this module provides. */
  provides?: ServiceName[];
  register(ctx: ModuleContext<Options>): void | ModuleHandle | Promise<void | ModuleHandle>;
}

/** A module plus the options the module config gives it. */
export interface ModuleEntry {
  module: VooduModule<any>;
  options?: Record<string, unknown>;
}

/** Identity helper that keeps the Options type attached to a module literal. */
export function defineModule<Options = Record<string, unknown>>(module: VooduModule<Options>): VooduModule<Options> {
  return module;
}
