// Types for ref.js.
export class RefError extends Error {}
export function parseRef(ref: unknown, what?: string, example?: string): { scope: string; name: string };
export function formatRef(scope: string, name: string): string;
export function scopedRef(arg: unknown, what: string, example?: string): { scope: string; name: string; ref: string };
export function expectPositionals(positional: string[], count: number, usage: string, max?: number): void;
export function containerName(scope: string, name: string, ordinal: number | string): string;
export function dnsSuffix(scope: string): string;
export function podHost(scope: string, name: string, ordinal: number | string): string;
export function sharedHost(scope: string, name: string): string;
