/**
 * Capabilities of plugin invocations: a random token per run, kept in
 * memory only (a run does not outlive the controller), dead when the run
 * revokes it or its deadline passes, whichever comes first. Only the
 * sha256 of a token is kept, so a heap dump names no live capability.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { PluginGrant } from './contract.js';

const hash = (token: string) => createHash('sha256').update(token).digest('hex');

export class PluginCapabilities {
  readonly #live = new Map<string, { grant: PluginGrant; timer: NodeJS.Timeout }>();

  /** A new token for `grant`, valid for at most `ttlMs`. */
  mint(grant: PluginGrant, ttlMs: number): { token: string; revoke(): void } {
    const token = randomBytes(32).toString('base64url');
    const key = hash(token);
    const revoke = () => {
      const entry = this.#live.get(key);
      if (!entry) return;
      clearTimeout(entry.timer);
      this.#live.delete(key);
    };
    const timer = setTimeout(revoke, Math.max(1, ttlMs));
    timer.unref();
    this.#live.set(key, { grant: { ...grant }, timer });
    return { token, revoke };
  }

  lookup(token: string): PluginGrant | undefined {
    return this.#live.get(hash(token))?.grant;
  }

  get size(): number {
    return this.#live.size;
  }

  clear(): void {
    for (const { timer } of this.#live.values()) clearTimeout(timer);
    this.#live.clear();
  }
}
