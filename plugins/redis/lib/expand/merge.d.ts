// Types for merge.js.
export function volumeTarget(entry: unknown): string;
export function mergeVolumes(defaults: unknown, operator: unknown): string[] | null;
export function mergeEnv(defaults: unknown, operator: unknown): Record<string, unknown> | null;
export function mergeSpec(defaults: Record<string, unknown>, operator: Record<string, unknown> | undefined): Record<string, any>;
