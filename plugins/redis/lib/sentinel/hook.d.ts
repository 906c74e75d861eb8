// Types for hook.js.
export const HOOK_PATH: string;
export function renderHook(): string;
