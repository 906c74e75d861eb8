/**
 * The `kinds` module provides the kind registry, seeded with the kinds the
 * core modules declare in their `spec.ts` (through the module catalogue,
 * modules/core.ts); a community module defines its own into the service at
 * register (`ctx.service('kinds').defineFor(ctx.name, [...])`).
 */
import { defineModule } from '../../kernel/index.js';
import { coreKindRegistry } from '../core.js';
import './contract.js';

export default defineModule({
  name: 'kinds',
  description: 'The registry of manifest kinds that modules define',
  provides: ['kinds'],
  async register(ctx) {
    ctx.provide('kinds', await coreKindRegistry());
  },
});
