/** Module options of `webhooks`: the delivery timings (the reference's), shortened only in tests. */
import { ValidationError } from '../../lib/errors.js';

export interface WebhooksOptions {
  /** Per-attempt HTTP timeout. Default 10000 ms. */
  attemptTimeoutMs?: number;
  /** Pauses between attempts; attempts = pauses + 1. Default [1000, 5000] (3 attempts). */
  retryDelaysMs?: number[];
  /** Everything one target may take, retries included. Default 120000 ms. */
  budgetMs?: number;
}

export const DEFAULTS: Required<WebhooksOptions> = { attemptTimeoutMs: 10_000, retryDelaysMs: [1000, 5000], budgetMs: 120_000 };

const MAX_RETRIES = 10;

const positive = (key: string, v: unknown): number => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new ValidationError(`webhooks.${key}: ${JSON.stringify(v)} must be a positive whole number of milliseconds`, { field: key });
  }
  return v;
};

export function validateOptions(raw: unknown): Required<WebhooksOptions> {
  if (raw !== undefined && (typeof raw !== 'object' || raw === null || Array.isArray(raw))) {
    throw new ValidationError('webhooks: options must be an object such as {"retryDelaysMs":[1000,5000]}');
  }
  const out = { ...DEFAULTS, retryDelaysMs: [...DEFAULTS.retryDelaysMs] };
  for (const [key, value] of Object.entries((raw ?? {}) as Record<string, unknown>)) {
    if (key === 'attemptTimeoutMs' || key === 'budgetMs') out[key] = positive(key, value);
    else if (key === 'retryDelaysMs') {
      if (!Array.isArray(value) || value.length > MAX_RETRIES || value.some((n) => typeof n !== 'number' || !Number.isInteger(n) || n < 0)) {
        throw new ValidationError(
          `webhooks.retryDelaysMs: ${JSON.stringify(value)} must be a list of at most ${MAX_RETRIES} whole numbers of milliseconds ≥ 0 (the pauses between attempts, e.g. [1000, 5000])`,
          { field: key },
        );
      }
      out.retryDelaysMs = value as number[];
    } else {
      throw new ValidationError(`webhooks.${key}: unknown option; the webhooks module takes attemptTimeoutMs, retryDelaysMs and budgetMs`, { field: key });
    }
  }
  return out;
}
