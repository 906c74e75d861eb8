/**
 * The `runtime` module: provides the Docker runtime, and refuses to let the
 * controller start when the engine is not there, naming the socket and the
 * fix, rather than failing later on the first reconcile.
 */
import { defineModule } from '../../kernel/index.js';
import { ValidationError } from '../../lib/errors.js';
import { timedWith } from '../../lib/timed-calls.js';
import { FAST_BUCKETS } from '../metrics/contract.js';
import type {} from '../api/contract.js';
import { DockerRuntime } from './docker-runtime.js';

export interface RuntimeOptions {
  /** Docker engine socket; default from `DOCKER_HOST=unix://…`, else /var/run/docker.sock. */
  socketPath?: string;
  /** The bridge network voodu's containers join; default voodu0. */
  network?: string;
  /** A pull that reports no progress for this long is given up (and retried later); default 60 000 ms. */
  pullStallMs?: number;
  /** A pull still going after this long is given up, progress or not; default 900 000 ms (15 min). */
  pullTimeoutMs?: number;
}

const KNOWN = new Set(['socketPath', 'network', 'pullStallMs', 'pullTimeoutMs']);
/** Docker's own rule for network names. */
const NETWORK_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export function validateOptions(options: unknown): RuntimeOptions {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new ValidationError(`runtime: options must be an object with socketPath and/or network`);
  }
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!KNOWN.has(key)) {
      throw new ValidationError(`runtime.${key}: unknown option; the runtime module takes socketPath, network, pullStallMs and pullTimeoutMs`, { field: key });
    }
  }
  if (o['socketPath'] !== undefined && (typeof o['socketPath'] !== 'string' || !o['socketPath'].startsWith('/'))) {
    throw new ValidationError(`runtime.socketPath: ${JSON.stringify(o['socketPath'])} must be an absolute path to the Docker socket`, {
      field: 'socketPath',
    });
  }
  if (o['network'] !== undefined && (typeof o['network'] !== 'string' || !NETWORK_NAME.test(o['network']))) {
    throw new ValidationError(`runtime.network: ${JSON.stringify(o['network'])} is not a valid Docker network name`, {
      field: 'network',
    });
  }
  for (const key of ['pullStallMs', 'pullTimeoutMs'] as const) {
    const v = o[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 100 || v > 86_400_000)) {
      throw new ValidationError(`runtime.${key}: ${JSON.stringify(v)} must be a whole number of milliseconds between 100 and 86400000`, { field: key });
    }
  }
  return {
    ...(o['pullStallMs'] !== undefined && { pullStallMs: o['pullStallMs'] as number }),
    ...(o['pullTimeoutMs'] !== undefined && { pullTimeoutMs: o['pullTimeoutMs'] as number }),
    ...(o['socketPath'] !== undefined && { socketPath: o['socketPath'] as string }),
    ...(o['network'] !== undefined && { network: o['network'] as string }),
  };
}

export default defineModule<RuntimeOptions>({
  name: 'runtime',
  description: 'Containers, networks, volumes, logs, exec, stats and events on the Docker engine',
  provides: ['runtime'],
  optional: ['metrics', 'api'],
  register(ctx) {
    const runtime = new DockerRuntime(validateOptions(ctx.options));
    if (ctx.has('metrics')) {
      // The service others get times every engine call (voodu_docker_request_duration_seconds).
      const latency = ctx.service('metrics').histogram({
        name: 'voodu_docker_request_duration_seconds',
        help: 'Docker engine calls of the controller by runtime method and result (ok, error)',
        labelNames: ['op', 'result'],
        buckets: FAST_BUCKETS,
      });
      ctx.provide('runtime', timedWith(latency, runtime, ['close']));
    } else {
      ctx.provide('runtime', runtime);
    }
    // `/health` is degraded while the engine does not answer (the api module reports it).
    if (ctx.has('api')) ctx.service('api').healthCheck('docker', () => runtime.ping());
    return {
      async start() {
        await runtime.ping();
        await runtime.ensureNetwork();
        ctx.log.info(`docker engine at unix://${runtime.socketPath}, network ${runtime.network}`);
      },
      stop() {
        runtime.close();
      },
    };
  },
});
