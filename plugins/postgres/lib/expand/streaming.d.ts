// Types for streaming.js.
export const STREAMING_SETTINGS: readonly (readonly [string, string])[];
export function renderStreamingConf(): string;
