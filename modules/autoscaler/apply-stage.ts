/**
 * Decision 11: re-applying an autoscaled deployment keeps the count the
 * autoscaler chose. On the wire the CLI has already seeded `replicas =
 * autoscale.min` (lib/manifest deploymentDefaults), so a seeded count and a
 * chosen one look the same; the stored manifest is the only witness. For
 * every deployment in the batch with `autoscale {}` whose ref is already
 * stored, the incoming count becomes the stored one, clamped into the new
 * [min, max]. Runs before the commit, so a dry run shows the same.
 */
import { type ApplyBatch } from '../../kernel/index.js';
import { keys, refOf, type Manifest } from '../../lib/identity.js';
import type { Store } from '../store/contract.js';
import { clamp } from './decide.js';
import { storedReplicas } from './manifest.js';

function autoscaleBounds(m: Manifest): { min: number; max: number } | undefined {
  const a = (m.spec as { autoscale?: { min?: unknown; max?: unknown } }).autoscale;
  if (!a || typeof a !== 'object') return undefined;
  // Validated in the validate stage; the guard only keeps a malformed block from producing NaN.
  return typeof a.min === 'number' && typeof a.max === 'number' && a.min >= 1 && a.max >= a.min ? { min: a.min, max: a.max } : undefined;
}

export async function keepAutoscaledReplicas(store: Store, batch: ApplyBatch): Promise<void> {
  batch.manifests = await Promise.all(
    batch.manifests.map(async (m) => {
      if (m.kind !== 'deployment') return m;
      const bounds = autoscaleBounds(m);
      if (!bounds) return m;
      const kv = await store.get(keys.desired(refOf(m)));
      const stored = kv && storedReplicas(kv.value);
      if (stored === undefined) return m;
      const replicas = clamp(stored, bounds.min, bounds.max);
      return m.spec['replicas'] === replicas ? m : { ...m, spec: { ...m.spec, replicas } };
    }),
  );
}
