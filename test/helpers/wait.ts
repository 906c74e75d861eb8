/** Polling with a deadline, for end-to-end tests that wait on real containers, etcd and HTTP. */

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Appended to the timeout error (the controller's last log lines, a container's logs, say). */
  context?: () => string | Promise<string>;
}

/**
 * Calls `fn` until it returns something truthy and returns that; throws
 * `timed out waiting for <what>` after the deadline (default 30 s).
 */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  opts: number | WaitOptions = {},
): Promise<T> {
  const { timeoutMs = 30_000, intervalMs = 100, context } = typeof opts === 'number' ? { timeoutMs: opts } : opts;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${context ? `\n${await context()}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
