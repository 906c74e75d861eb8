/** `autoscale {}`: bounds checked where the operator wrote them, not when the autoscaler first runs. */
import { int, record, type Decoder } from './decoders.js';
import { duration } from './fields.js';
import type { AutoscaleSpec } from './types.js';

export const autoscale: Decoder<AutoscaleSpec> = (v, at) => {
  const a = record<AutoscaleSpec>('an autoscale block', {
    min: int(),
    max: int(),
    cpu_target: int(),
    cooldown_up: duration,
    cooldown_down: duration,
  })(v, at)!;
  const min = a.min ?? 0;
  const max = a.max ?? 0;
  const target = a.cpu_target ?? 0;
  if (min < 1) at.key('min').fail(`must be >= 1 (got ${min})`);
  if (max < min) at.key('max').fail(`must be >= autoscale.min (${min}), got ${max}`);
  if (target <= 0 || target > 100) at.key('cpu_target').fail(`must be in (0, 100], got ${target}`);
  return a;
};
