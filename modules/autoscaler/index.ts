/**
 * The `autoscaler` module: on the kernel
 * clock, every `intervalMs` (15 s), each deployment with `autoscale {}` is
 * sampled and stepped one replica up or down by writing `spec.replicas`;
 * the deployment module's reconcile does the rest. At apply it keeps the
 * count it chose (apply-stage.ts). It provides no service.
 */
import { defineModule } from '../../kernel/index.js';
import { ValidationError } from '../../lib/errors.js';
import { ApplyStage } from '../apply/contract.js';
import type {} from '../runtime/contract.js';
import type {} from '../store/contract.js';
import type {} from '../workload/contract.js';
import { keepAutoscaledReplicas } from './apply-stage.js';
import { Evaluator } from './evaluate.js';

export interface AutoscalerOptions {
  /** Time between evaluations on the kernel clock. Default 15000 ms. */
  intervalMs?: number;
}

export function validateOptions(raw: unknown): Required<AutoscalerOptions> {
  if (raw !== undefined && (raw === null || typeof raw !== 'object' || Array.isArray(raw))) {
    throw new ValidationError('autoscaler: options must be an object, e.g. {"intervalMs": 15000}');
  }
  const o = (raw ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (key !== 'intervalMs') throw new ValidationError(`autoscaler.${key}: unknown option; the autoscaler module takes intervalMs`, { field: key });
  }
  const interval = o['intervalMs'] ?? 15_000;
  if (typeof interval !== 'number' || !Number.isInteger(interval) || interval < 1) {
    throw new ValidationError(`autoscaler.intervalMs: ${JSON.stringify(interval)} must be a positive whole number of milliseconds (default 15000)`, {
      field: 'intervalMs',
    });
  }
  return { intervalMs: interval };
}

export default defineModule<AutoscalerOptions>({
  name: 'autoscaler',
  description: 'CPU-driven replica counts for deployments with autoscale {}',
  requires: ['store', 'runtime', 'workload'],
  register(ctx) {
    const { intervalMs } = validateOptions(ctx.options);
    const store = ctx.service('store');
    const evaluator = new Evaluator({ store, runtime: ctx.service('runtime'), workload: ctx.service('workload'), log: ctx.log });

    ctx.hooks.onApply.tapPromise({ name: 'autoscaler', stage: ApplyStage.resolve }, (batch) => keepAutoscaledReplicas(store, batch));

    // ctx.every never overlaps a round with the next; the round in flight is awaited at stop, before the store closes.
    let inflight: Promise<void> | undefined;
    let stopped = false;
    ctx.every(intervalMs, (tick) => {
      if (stopped) return;
      inflight = evaluator.evaluate(tick.now).finally(() => {
        inflight = undefined;
      });
      return inflight;
    });

    return {
      async stop() {
        stopped = true;
        await inflight?.catch(() => undefined);
      },
    };
  },
});
