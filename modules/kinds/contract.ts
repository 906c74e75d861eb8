/**
 * The `kinds` service: the registry of manifest kinds — the core modules'
 * (from their spec.ts) and any a community module defines at register
 * (`ctx.service('kinds').defineFor(ctx.name, [definition])`). Modules ask it
 * their questions about kinds: "is this kind a workload?", "which kinds does
 * prune remove?". See lib/manifest/kind-registry.ts for what a definition holds.
 */
import type { KindRegistry } from '../../lib/manifest/kind-registry.js';

export type { KindDefinition, KindRegistry, KindRole } from '../../lib/manifest/kind-registry.js';

declare module '../../kernel/services.js' {
  interface ServiceMap {
    kinds: KindRegistry;
  }
}
