/**
 * While a rollout runs on the controller, show how far it got: every second
 * the pods of the resource are listed, and a line goes to stderr whenever
 * the count of replicas started since the rollout began changes.
 */
import type { VerbContext } from './verb.js';

interface PodRow {
  role?: string;
  kind?: string;
  state?: string;
  created_at?: string;
}

export function followRollout(ctx: VerbContext, target: { kind?: string; scope?: string; name: string }, label: string): { stop(): Promise<void> } {
  const since = Date.now() - 1000; // the controller shares this host's clock; allow for rounding
  let last = '';
  let stopped = false;
  let inFlight: Promise<void> = Promise.resolve();
  const sample = async () => {
    try {
      const pods = await ctx.client.data<PodRow[]>('GET', '/pods', { query: { kind: target.kind, scope: target.scope, name: target.name }, timeoutMs: 5000 });
      const replicas = (pods ?? []).filter((p) => p.role === (target.kind ?? p.kind) && (p.kind === 'deployment' || p.kind === 'statefulset'));
      const running = replicas.filter((p) => p.state === 'running');
      const fresh = running.filter((p) => Date.parse(p.created_at ?? '') >= since).length;
      const old = running.length - fresh;
      const line = `${label}: ${fresh} new replica(s) running, ${old} old left${old ? ' (each new one must be ready before an old one goes)' : ''}`;
      if (!stopped && line !== last) {
        ctx.stderr.write(`  ${line}\n`);
        last = line;
      }
    } catch {
      // progress is a courtesy: the answer of the rollout itself decides the outcome
    }
  };
  const tick = () => {
    inFlight = sample();
  };
  tick();
  const timer = setInterval(tick, 1000);
  timer.unref();
  return {
    // A sample already on its way still prints, before the caller's final line.
    async stop() {
      clearInterval(timer);
      await inFlight;
      stopped = true;
    },
  };
}
