/**
 * The `workload` module: provides the service deployments and statefulsets
 * share (contract.ts). It taps no hook; the kind modules do.
 */
import '../kinds/contract.js';
import { defineModule } from '../../kernel/index.js';
import { ValidationError } from '../../lib/errors.js';
import type {} from '../assets/contract.js';
import type {} from '../config/contract.js';
import type {} from '../paths/contract.js';
import type {} from '../runtime/contract.js';
import type {} from '../store/contract.js';
import type {} from './contract.js';
import { createWorkloadService } from './service.js';

export interface WorkloadOptions {
  /** Default readiness gate: how long a new replica must keep running. Default 3000 ms. */
  readinessGraceMs?: number;
  /** Pause between init attempts. Default 2000 ms. */
  initRetryPauseMs?: number;
}

export function validateOptions(raw: unknown): WorkloadOptions {
  const o = (raw ?? {}) as Record<string, unknown>;
  if (typeof o !== 'object' || Array.isArray(o)) throw new ValidationError('workload: options must be an object');
  const out: WorkloadOptions = {};
  for (const [key, value] of Object.entries(o)) {
    if (key !== 'readinessGraceMs' && key !== 'initRetryPauseMs') {
      throw new ValidationError(`workload.${key}: unknown option; the workload module takes readinessGraceMs and initRetryPauseMs`, { field: key });
    }
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      throw new ValidationError(`workload.${key}: ${JSON.stringify(value)} is not a whole number of milliseconds`, { field: key });
    }
    out[key] = value;
  }
  return out;
}

export default defineModule<WorkloadOptions>({
  name: 'workload',
  description: 'What deployments and statefulsets share: defaults, spec hash, env, replica containers, inits, releases, freezes, readiness',
  requires: ['store', 'runtime', 'paths', 'config', 'kinds'],
  optional: ['assets', 'readiness', 'reconciler', 'events'],
  provides: ['workload'],
  register(ctx) {
    const options = validateOptions(ctx.options);
    ctx.provide(
      'workload',
      createWorkloadService({
        kinds: ctx.service('kinds'),
        store: ctx.service('store'),
        runtime: ctx.service('runtime'),
        paths: ctx.service('paths'),
        config: ctx.service('config'),
        assets: () => (ctx.has('assets') ? ctx.service('assets') : undefined),
        reconciler: () => (ctx.has('reconciler') ? ctx.service('reconciler') : undefined),
        events: () => (ctx.has('events') ? ctx.service('events') : undefined),
        ...(ctx.has('readiness') ? { readiness: ctx.service('readiness') } : {}),
        log: ctx.log,
        ...(options.readinessGraceMs !== undefined && { graceMs: options.readinessGraceMs }),
        ...(options.initRetryPauseMs !== undefined && { initRetryPauseMs: options.initRetryPauseMs }),
      }),
    );
  },
});
