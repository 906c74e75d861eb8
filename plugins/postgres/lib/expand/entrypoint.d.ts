// Types for entrypoint.js.
export function renderEntrypoint(scope: string, name: string): string;
