// Types for conf-include.js.
export const INCLUDE_DIR_LINE: string;
export const INCLUDE_RUNTIME_LINE: string;
export function includeConfFunction(): string;
