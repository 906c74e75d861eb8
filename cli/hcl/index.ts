/**
 * The CLI's manifest pipeline: `-f` inputs → interpolated, parsed, validated
 * wire manifests. Imports the HCL parser lazily; never imported by the
 * controller (which gets JSON and uses lib/manifest directly).
 */
export { loadManifests } from './load.js';
export type { LoadOptions, LoadedManifest } from './load.js';
export type { FetchBucket } from './context.js';
export { MANIFEST_EXTENSIONS } from './resolve.js';
export { parseEnvFile } from './env-file.js';
