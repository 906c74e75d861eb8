/**
 * The microkernel: hooks, services, module lifecycle and the clock. It
 * imports no module and knows no kind, no Docker and no HTTP.
 */
import { Clock, cadence } from './clock.js';
import { KernelError, messageOf } from './errors.js';
import { createHooks, type Hooks } from './hooks.js';
import { createLogger, type Logger } from './log.js';
import type { ModuleContext, ModuleEntry, ModuleHandle, VooduModule } from './module.js';
import { ServiceRegistry } from './services.js';

export class ModuleStartError extends KernelError {
  readonly module: string;
  constructor(module: string, cause: unknown) {
    super(`module "${module}" failed to start: ${messageOf(cause)}`, 'module_start_failed', { cause });
    this.module = module;
  }
}

export interface KernelOptions {
  log?: Logger;
  /** Clock period; 1 s in production, shorter only in tests. */
  tickMs?: number;
  /**
   * Leave the clock stopped after boot: only `kernel.clock.tick(now)` fires
   * `onTick`. Tests drive time-based modules (cron, autoscaler) this way.
   */
  manualClock?: boolean;
  /** Budget for each module's stop before the kernel moves on. */
  stopTimeoutMs?: number;
}

interface Loaded {
  module: VooduModule<any>;
  handle: ModuleHandle;
}

export class Kernel {
  readonly hooks: Hooks = createHooks();
  readonly services = new ServiceRegistry();
  readonly log: Logger;
  readonly clock: Clock;
  readonly #stopTimeoutMs: number;
  readonly #manualClock: boolean;
  #loaded: Loaded[] = [];
  #started: Loaded[] = [];
  #state: 'new' | 'booting' | 'running' | 'stopping' | 'stopped' = 'new';

  constructor(options: KernelOptions = {}) {
    this.log = options.log ?? createLogger();
    this.clock = new Clock(this.hooks, this.log.child('clock'), options.tickMs);
    this.#stopTimeoutMs = options.stopTimeoutMs ?? 15_000;
    this.#manualClock = options.manualClock ?? false;
  }

  /** Names of the registered modules, in start order. */
  modules(): string[] {
    return this.#loaded.map((l) => l.module.name);
  }

  get state() {
    return this.#state;
  }

  /**
   * Register every module in dependency order, start them in that order,
   * then fire `onStart`. If anything fails, what was started is stopped
   * again and the error names the module.
   */
  async boot(entries: ModuleEntry[]): Promise<void> {
    if (this.#state !== 'new') throw new KernelError(`kernel already ${this.#state}`);
    this.#state = 'booting';
    try {
      for (const entry of orderByServices(entries, (name) => this.services.has(name))) {
        await this.#register(entry);
      }
      for (const loaded of this.#loaded) {
        try {
          await loaded.handle.start?.();
        } catch (err) {
          throw new ModuleStartError(loaded.module.name, err);
        }
        this.#started.push(loaded);
      }
      await this.hooks.onStart.promise();
      if (!this.#manualClock) this.clock.start();
      this.#state = 'running';
      this.log.info(`started ${this.#loaded.length} modules: ${this.modules().join(', ')}`);
    } catch (err) {
      await this.shutdown();
      throw err;
    }
  }

  /** Stop the clock, fire `onStop`, then stop modules in reverse start order. Never throws. */
  async shutdown(): Promise<void> {
    if (this.#state === 'stopping' || this.#state === 'stopped') return;
    const wasRunning = this.#state === 'running';
    this.#state = 'stopping';
    this.clock.stop();
    if (wasRunning) {
      await this.hooks.onStop.promise().catch((err) => this.log.error(`onStop: ${messageOf(err)}`));
    }
    for (const loaded of [...this.#started].reverse()) {
      const name = loaded.module.name;
      try {
        await withTimeout(Promise.resolve(loaded.handle.stop?.()), this.#stopTimeoutMs, `stop of "${name}"`);
      } catch (err) {
        this.log.error(`module "${name}" did not stop cleanly: ${messageOf(err)}`);
      }
    }
    this.#started = [];
    this.#state = 'stopped';
    if (wasRunning) this.log.info('stopped');
  }

  async #register({ module, options }: ModuleEntry): Promise<void> {
    const log = this.log.child(module.name);
    const ctx: ModuleContext<any> = {
      name: module.name,
      options: options ?? {},
      hooks: this.hooks,
      log,
      provide: (name, value) => {
        if (!module.provides?.includes(name)) {
          throw new KernelError(`module "${module.name}" provides "${name}" without declaring it in provides`);
        }
        this.services.provide(name, value, module.name);
      },
      service: (name) => this.services.get(name, module.name),
      has: (name) => this.services.has(name),
      every: (ms, fn) => {
        const run = cadence(ms, fn, (err) => log.error(`periodic task failed: ${messageOf(err)}`));
        this.hooks.onTick.tap(module.name, run);
      },
    };
    let handle: void | ModuleHandle;
    try {
      handle = await module.register(ctx);
    } catch (err) {
      throw new ModuleStartError(module.name, err);
    }
    for (const name of module.provides ?? []) {
      if (!this.services.has(name)) {
        throw new ModuleStartError(module.name, new Error(`declares service "${name}" in provides but never provided it`));
      }
    }
    this.#loaded.push({ module, handle: handle ?? {} });
  }
}

/**
 * Orders modules so every provider comes before its consumers, keeping the
 * given order otherwise. Errors name the module and the service at fault.
 */
export function orderByServices(entries: ModuleEntry[], preProvided: (service: string) => boolean = () => false): ModuleEntry[] {
  const providerOf = new Map<string, string>();
  const byName = new Map<string, ModuleEntry>();
  for (const entry of entries) {
    const name = entry.module.name;
    if (byName.has(name)) throw new KernelError(`module "${name}" is listed twice in the module config`);
    byName.set(name, entry);
    for (const service of entry.module.provides ?? []) {
      const other = providerOf.get(service);
      if (other) throw new KernelError(`modules "${other}" and "${name}" both provide service "${service}"; disable one of them`);
      providerOf.set(service, name);
    }
  }
  const depsOf = (entry: ModuleEntry): string[] => {
    const deps: string[] = [];
    for (const service of entry.module.requires ?? []) {
      const provider = providerOf.get(service);
      if (provider) deps.push(provider);
      else if (!preProvided(service)) {
        throw new KernelError(`module "${entry.module.name}" needs service "${service}", which no enabled module provides`);
      }
    }
    for (const service of entry.module.optional ?? []) {
      const provider = providerOf.get(service);
      if (provider) deps.push(provider);
    }
    return deps.filter((d) => d !== entry.module.name);
  };

  const ordered: ModuleEntry[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (entry: ModuleEntry, path: string[]) => {
    const name = entry.module.name;
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      throw new KernelError(`modules depend on each other in a cycle: ${[...path, name].join(' → ')}`);
    }
    state.set(name, 'visiting');
    for (const dep of depsOf(entry)) visit(byName.get(dep)!, [...path, name]);
    state.set(name, 'done');
    ordered.push(entry);
  };
  for (const entry of entries) visit(entry, []);
  return ordered;
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
