// Types for pg-config.js.
export function quotePgString(s: string): string;
export function formatPgValue(v: unknown): string;
export function renderPgConfig(pgConfig: Record<string, unknown> | undefined | null): string;
