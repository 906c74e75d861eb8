/**
 * One probe loop: wait initial_delay, sample at once, then
 * every period. The phase starts unknown; success_threshold consecutive
 * passes → healthy, failure_threshold consecutive failures → unhealthy;
 * `onTransition` is called only when the phase changes.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ProbeConfig } from './config.js';
import type { Sample } from './check.js';

export type Phase = 'unknown' | 'healthy' | 'unhealthy';

export class ProbeRunner {
  phase: Phase = 'unknown';
  reason = '';
  #ok = 0;
  #fail = 0;
  readonly #ac = new AbortController();
  #done: Promise<void> = Promise.resolve();

  constructor(
    readonly cfg: ProbeConfig,
    private readonly check: () => Promise<Sample>,
    private readonly onTransition: (runner: ProbeRunner) => void,
    /** Startup probes stop after their first healthy. */
    private readonly stopWhenHealthy = false,
  ) {}

  start(): void {
    this.#done = this.#loop().catch(() => undefined);
  }

  /** Cancels the loop; resolves when the sample in flight (if any) is done, at most `waitMs` later. */
  async stop(waitMs = 5000): Promise<void> {
    this.#ac.abort();
    await Promise.race([this.#done, sleep(waitMs, undefined, { ref: false })]);
  }

  get stopped(): boolean {
    return this.#ac.signal.aborted;
  }

  /** Feeds one sample through the thresholds. Exposed so the phase machine can be tested without a container. */
  record(s: Sample): void {
    this.reason = s.reason;
    if (s.ok) {
      this.#fail = 0;
      this.#ok++;
      if (this.#ok >= this.cfg.successThreshold && this.phase !== 'healthy') this.#to('healthy');
    } else {
      this.#ok = 0;
      this.#fail++;
      if (this.#fail >= this.cfg.failureThreshold && this.phase !== 'unhealthy') this.#to('unhealthy');
    }
  }

  #to(phase: Phase): void {
    this.phase = phase;
    this.onTransition(this);
  }

  async #loop(): Promise<void> {
    const signal = this.#ac.signal;
    if (this.cfg.initialDelayMs > 0) await sleep(this.cfg.initialDelayMs, undefined, { signal });
    for (;;) {
      const s = await this.check();
      if (signal.aborted) return;
      this.record(s);
      if (this.stopWhenHealthy && this.phase === 'healthy') return;
      await sleep(this.cfg.periodMs, undefined, { signal });
    }
  }
}
