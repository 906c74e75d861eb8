// Types for merge.js.
export function volumeDest(entry: string): string;
export function mergeEnv(defaults: unknown, operator: unknown): Record<string, unknown>;
export function mergeVolumes(defaults: string[] | undefined, operator: unknown[] | undefined): string[];
export function mergeSpec(defaults: Record<string, unknown>, operator: Record<string, unknown> | undefined): Record<string, any>;
