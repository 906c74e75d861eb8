// Types for ref.js (the plugin ships as plain JS; these serve the repo's TypeScript tests and editors).
export class RefError extends Error {}
export const REDIS_PORT: number;
export const SENTINEL_PORT: number;
export const SENTINEL_MASTER_NAME: string;
export const PROVIDER_KEYS: Readonly<{ password: string; masterOrdinal: string; linkedConsumers: string }>;
export const CONSUMER_KEYS: Readonly<{ url: string; readUrl: string; sentinelHosts: string; masterName: string }>;
export function parseRef(ref: unknown, what?: string): { scope: string; name: string };
export function formatRef(scope: string, name: string): string;
export function containerName(scope: string, name: string, ordinal: number | string): string;
export function dnsSuffix(scope: string): string;
export function podHost(scope: string, name: string, ordinal: number | string): string;
export function sharedHost(scope: string, name: string): string;
export function ordinalFromHost(host: unknown): number | undefined;
