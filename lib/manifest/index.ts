/**
 * The manifest language, shared by the CLI and the controller: the kind
 * registry, identity validation, and the field decoders kinds are built
 * from. Each kind's own definition lives with its module
 * (`modules/<module>/spec.ts`). Pure: no parser, no file system.
 */
export { KindRegistry } from './kind-registry.js';
export type { FieldDoc, HclSurface, KindDefinition, KindRole, KindRoles, ScopeRule } from './kind-registry.js';
export { validateManifest } from './validate.js';
export type { ValidateOptions } from './validate.js';
export { parseDurationMs } from './durations.js';
export { parseCpu, parseMemoryBytes } from './quantities.js';
export type * from './types.js';
