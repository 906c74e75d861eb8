/**
 * What `/health` reports beyond "the process answers": each dependency a
 * module registered a check for (etcd, the Docker engine, the pod
 * listener), ok or failing and since when. Checks run when asked, all at
 * once under one deadline, and the answer is reused for a moment so a
 * load balancer polling hard costs one round of checks, not one per poll.
 */
import { messageOf } from '../../lib/errors.js';

/** Resolves when the dependency answers; rejects (or outlives the deadline) when it does not. */
export type DependencyCheck = (signal: AbortSignal) => Promise<void>;

export interface DependencyHealthState {
  ok: boolean;
  /** When it last changed between ok and failing (ISO time). */
  since: string;
  /** Why it fails, when it does. */
  error?: string;
}

export interface HealthReport {
  ok: boolean;
  dependencies: Record<string, DependencyHealthState>;
}

export class DependencyHealth {
  readonly #checks = new Map<string, DependencyCheck>();
  readonly #state = new Map<string, DependencyHealthState>();
  readonly #timeoutMs: number;
  readonly #reuseMs: number;
  #last: { at: number; report: Promise<HealthReport> } | undefined;

  constructor(opts: { timeoutMs?: number; reuseMs?: number } = {}) {
    this.#timeoutMs = opts.timeoutMs ?? 1500;
    this.#reuseMs = opts.reuseMs ?? 500;
  }

  /** Registers (or replaces: a listener opened again) the check of one dependency. */
  add(dependency: string, check: DependencyCheck): void {
    this.#checks.set(dependency, check);
    this.#last = undefined;
  }

  report(now = Date.now()): Promise<HealthReport> {
    if (this.#last && now - this.#last.at < this.#reuseMs) return this.#last.report;
    const report = this.#run();
    this.#last = { at: now, report };
    return report;
  }

  async #run(): Promise<HealthReport> {
    const entries = await Promise.all([...this.#checks].map(async ([name, check]) => [name, await this.#one(check)] as const));
    const dependencies: Record<string, DependencyHealthState> = {};
    for (const [name, error] of entries) {
      const before = this.#state.get(name);
      const ok = error === undefined;
      const state: DependencyHealthState = {
        ok,
        since: before && before.ok === ok ? before.since : new Date().toISOString(),
        ...(error !== undefined && { error }),
      };
      this.#state.set(name, state);
      dependencies[name] = state;
    }
    return { ok: Object.values(dependencies).every((d) => d.ok), dependencies };
  }

  /** undefined when the check passed in time; otherwise why not. */
  async #one(check: DependencyCheck): Promise<string | undefined> {
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<string>((resolve) => {
      timer = setTimeout(() => {
        abort.abort();
        resolve(`no answer within ${this.#timeoutMs / 1000} s`);
      }, this.#timeoutMs);
    });
    try {
      return await Promise.race([check(abort.signal).then(() => undefined, (err: unknown) => messageOf(err)), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }
}
