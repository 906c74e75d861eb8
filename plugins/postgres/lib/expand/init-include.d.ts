// Types for init-include.js.
export function renderInitInclude(): string;
