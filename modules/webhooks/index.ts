/**
 * The `webhooks` module: provides the
 * `webhooks` service that delivers on_deploy and on_probe targets. The
 * deployment module calls it after a reconcile; the probes module on a
 * phase edge. `file` bodies resolve through the assets service when it runs.
 */
import { defineModule } from '../../kernel/index.js';
import type {} from '../assets/contract.js';
import type {} from './contract.js';
import { validateOptions, type WebhooksOptions } from './options.js';
import { createWebhooks } from './service.js';

export default defineModule<WebhooksOptions>({
  name: 'webhooks',
  description: 'on_deploy and on_probe webhooks: templated JSON bodies, retries, probe dedup',
  optional: ['assets'],
  provides: ['webhooks'],
  register(ctx) {
    const timings = validateOptions(ctx.options);
    const service = createWebhooks({
      log: ctx.log,
      timings,
      assets: () => (ctx.has('assets') ? ctx.service('assets') : undefined),
    });
    ctx.provide('webhooks', service);
    return {
      // Pending retries are dropped: a stopping controller does not hold shutdown for a slow receiver.
      stop: () => service.stop(),
    };
  },
});
