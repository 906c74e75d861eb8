// Types for init-replication.js.
export function renderInitReplication(): string;
