/**
 * The `metrics` module: provides the `metrics` service (contract.ts) on a
 * prom-client registry of its own — so two controllers in one process, as
 * the tests run them, never mix their numbers — with the process metrics
 * (CPU, memory, event loop lag, GC, handles) and `voodu_build_info`.
 * Every other family belongs to the module that measures it; the list is
 * in docs/operations.md.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import { defineModule } from '../../kernel/index.js';
import { buildInfo } from '../../lib/build-info.js';
import { ValidationError } from '../../lib/errors.js';
import type { Metrics } from './contract.js';

const NAME = /^voodu_[a-z][a-z0-9_]*$/;

export default defineModule({
  name: 'metrics',
  description: 'Prometheus registry: process metrics, and the families other modules declare',
  provides: ['metrics'],
  register(ctx) {
    const unknown = Object.keys(ctx.options ?? {});
    if (unknown.length) throw new ValidationError(`metrics.${unknown[0]}: unknown option; the metrics module takes none`, { field: unknown[0]! });
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });

    /** The family already registered under `name`, or a new one — never a second one under the same name. */
    function family<M extends Metric<string>>(name: string, make: () => M, type: new (...args: never[]) => M): M {
      if (!NAME.test(name)) throw new ValidationError(`metric "${name}": names are voodu_ followed by lower-case words joined by _`, { field: 'name' });
      const existing = registry.getSingleMetric(name);
      if (existing === undefined) return make();
      if (!(existing instanceof type)) throw new ValidationError(`metric "${name}" is already registered as another type`, { field: 'name' });
      return existing as M;
    }

    const service: Metrics = {
      counter: (config) => family(config.name, () => new Counter({ ...config, registers: [registry] }), Counter),
      gauge: (config) => family(config.name, () => new Gauge({ ...config, registers: [registry] }), Gauge),
      histogram: (config) => family(config.name, () => new Histogram({ ...config, registers: [registry] }), Histogram),
      render: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
    };
    ctx.provide('metrics', service);

    const info = buildInfo();
    service.gauge({ name: 'voodu_build_info', help: 'The controller build: always 1, the facts are labels', labelNames: ['version', 'commit'] }).set({ version: info.version, commit: info.commit }, 1);
    return {
      stop: () => registry.clear(),
    };
  },
});
