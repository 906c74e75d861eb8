/**
 * `voodu apply` after the store took the manifests: follow every rollout
 * the apply started (`GET /rollout` of each, twice a second) until all
 * converged, one failed, or the time ran out. A terminal gets one line per
 * resource, rewritten in place; a pipe or a log gets a plain line whenever
 * a resource's state changes. The controller judges each rollout
 * (modules/rollouts/phase.ts); this file only asks and shows.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ROLLOUT_PATH, type RolloutState } from '../modules/rollouts/contract.js';
import type { VerbContext } from './verb.js';
import { formatDuration } from './output.js';

export interface WaitOptions {
  /** The apply's store revision: states older than it are not this apply's. */
  revision: number;
  /** Give up after this long; default the largest deadline the controller names. */
  timeoutMs?: number;
  /** Where progress goes (stderr when stdout carries JSON). */
  out: NodeJS.WritableStream;
  pollMs?: number;
}

export interface WaitResult {
  ok: boolean;
  states: FollowedState[];
}

/** `unfollowed`: the controller could not report on it (no rollouts module, or deleted since the apply). */
export type FollowedState = RolloutState & { unfollowed?: boolean };

const parseRef = (ref: string) => {
  const parts = ref.split('/');
  return parts.length === 3 ? { kind: parts[0]!, scope: parts[1]!, name: parts[2]! } : { kind: parts[0]!, scope: '', name: parts[1]! };
};

const summary = (s: FollowedState) =>
  s.unfollowed
    ? `${s.resource}: ${s.message}`
    : `${s.resource}: ${s.phase === 'converged' ? '✓' : s.phase === 'failed' ? '✗' : '…'} ${s.ready}/${s.desired} ready${s.running > s.desired ? `, ${s.running - s.desired} to retire` : ''} — ${s.message}`;

export async function waitForRollouts(ctx: VerbContext, refs: string[], opts: WaitOptions): Promise<WaitResult> {
  const tty = (opts.out as NodeJS.WriteStream).isTTY === true && !ctx.env.CI;
  const started = Date.now();
  const states = new Map<string, FollowedState>();
  const printed = new Map<string, string>();
  let drawn = 0;
  const draw = (final = false) => {
    if (tty) {
      const lines = refs.map((r) => {
        const s = states.get(r);
        return s ? summary(s) : `${r}: … waiting for the controller`;
      });
      const elapsed = formatDuration(Date.now() - started);
      const text = lines.map((l) => `  ${l}${final ? '' : ` (${elapsed})`}`);
      opts.out.write(`${drawn ? `\x1b[${drawn}F` : ''}${text.map((l) => `\x1b[2K${l}\n`).join('')}`);
      drawn = text.length;
      return;
    }
    for (const r of refs) {
      const s = states.get(r);
      // A failure is said once, by the caller's error line.
      if (!s || s.phase === 'failed') continue;
      const line = summary(s);
      if (printed.get(r) === line) continue;
      printed.set(r, line);
      opts.out.write(`  ${line}\n`);
    }
  };

  let deadline = opts.timeoutMs !== undefined ? started + opts.timeoutMs : undefined;
  for (;;) {
    const pending = refs.filter((r) => states.get(r)?.phase !== 'converged');
    await Promise.all(
      pending.map(async (r) => {
        try {
          const res = await ctx.client.fetch('GET', ROLLOUT_PATH, { query: { ...parseRef(r), revision: opts.revision }, timeoutMs: 10_000 });
          const body = (await res.json().catch(() => ({}))) as { data?: RolloutState; error?: string };
          if (res.status === 404) {
            // A controller without the rollouts module, or a resource deleted since: nothing left to follow.
            states.set(r, { resource: r, phase: 'converged', desired: 0, running: 0, ready: 0, old: 0, deadline_s: 0, message: `not followed: ${body.error ?? 'the controller cannot report rollouts'}`, unfollowed: true });
            return;
          }
          if (!res.ok || !body.data) throw new Error(body.error ?? `controller returned ${res.status}`);
          states.set(r, body.data);
        } catch (err) {
          const prev = states.get(r);
          states.set(r, { ...(prev ?? { resource: r, desired: 0, running: 0, ready: 0, old: 0, deadline_s: 180 }), phase: 'progressing', message: `asking the controller: ${(err as Error).message}` });
        }
      }),
    );
    deadline ??= started + Math.max(...refs.map((r) => states.get(r)?.deadline_s ?? 180)) * 1000;
    const failed = refs.filter((r) => states.get(r)?.phase === 'failed');
    const done = refs.every((r) => states.get(r)?.phase === 'converged');
    if (failed.length || done) {
      draw(true);
      return { ok: !failed.length, states: refs.map((r) => states.get(r)!) };
    }
    if (Date.now() >= deadline) {
      draw(true);
      for (const r of refs.filter((x) => states.get(x)?.phase !== 'converged')) {
        const s = states.get(r)!;
        states.set(r, { ...s, phase: 'failed', message: `not converged after ${formatDuration(Date.now() - started)} (--timeout): ${s.message}` });
      }
      return { ok: false, states: refs.map((r) => states.get(r)!) };
    }
    draw();
    await sleep(opts.pollMs ?? 500);
  }
}
