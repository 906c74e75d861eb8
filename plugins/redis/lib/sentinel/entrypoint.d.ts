// Types for entrypoint.js.
export const SENTINEL_ENTRYPOINT_PATH: string;
export const SENTINEL_STATE_DIR: string;
export const SENTINEL_CONF: string;
export const PRESERVED_PATTERN: string;
export function renderSentinelEntrypoint(scope: string, name: string): string;
