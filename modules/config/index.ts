/**
 * The `config` module: imperative env buckets (`voodu config set`), the env
 * file they materialise into, and the fan-out that restarts their readers.
 */
import '../kinds/contract.js';
import { defineModule } from '../../kernel/index.js';
import type {} from '../api/contract.js';
import type {} from '../paths/contract.js';
import type {} from '../store/contract.js';
import type {} from './contract.js';
import { registerConfigActions } from './actions.js';
import { createAppIdGuard } from './app-id-guard.js';
import { registerConfigRoutes } from './routes.js';
import { createConfigService } from './service.js';

export default defineModule({
  name: 'config',
  description: 'config buckets in etcd, env files and config fan-out (/config)',
  requires: ['store', 'paths', 'api', 'kinds'],
  provides: ['config'],
  register(ctx) {
    const config = createConfigService(ctx.service('store'), ctx.service('kinds'), ctx.service('paths'), ctx.log);
    ctx.provide('config', config);
    const guard = createAppIdGuard(ctx.service('store'), ctx.service('kinds'), ctx.service('paths'));
    registerConfigRoutes(ctx.service('api'), config, guard);
    registerConfigActions(ctx.hooks, config, ctx.log, guard);
  },
});
