// Types for entrypoint.js.
export const PEER_MISSES: number;
export function renderEntrypoint(scope: string, name: string): string;
