/**
 * The manifest language, shared by the CLI and the controller: kinds, the
 * wire spec of each, validation with defaults, and `app` expansion. Pure:
 * no parser, no file system.
 */
export { APP_KIND, CORE_KINDS, OPTIONALLY_SCOPED_KINDS, SCOPED_KINDS, UNSCOPED_KINDS, isCoreKind, parseKind, scopeRule } from './kinds.js';
export type { CoreKind, ScopeRule } from './kinds.js';
export { validateManifest } from './validate.js';
export type { ValidateOptions } from './validate.js';
export { expandApp } from './expand-app.js';
export { CRONJOB_TOP_KEYS } from './specs/cronjob.js';
export { parseDurationMs } from './durations.js';
export { parseCpu, parseMemoryBytes } from './quantities.js';
export type * from './types.js';
