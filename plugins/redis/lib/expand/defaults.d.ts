// Types for defaults.js.
export const DEFAULT_IMAGE: string;
export const CONF_PATH: string;
export const ENTRYPOINT_PATH: string;
export const DATA_DIR: string;
export function assetRef(scope: string, name: string, file: string): string;
export function defaultProbes(): Record<string, any>;
export function composeDefaults(scope: string, name: string): Record<string, any>;
