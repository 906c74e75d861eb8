// Types for ref.js (the plugin ships as plain JS; these serve the repo's TypeScript tests and editors).
export { RefError, containerName, dnsSuffix, expectPositionals, formatRef, podHost, sharedHost } from './sdk/ref.js';
export const REDIS_PORT: number;
export const SENTINEL_PORT: number;
export const SENTINEL_MASTER_NAME: string;
export const PROVIDER_KEYS: Readonly<{ password: string; masterOrdinal: string; linkedConsumers: string }>;
export const CONSUMER_KEYS: Readonly<{ url: string; readUrl: string; sentinelHosts: string; masterName: string }>;
export function parseRef(ref: unknown, what?: string): { scope: string; name: string };
export function scopedRef(arg: unknown, what: string): { scope: string; name: string; ref: string };
export function ordinalFromHost(host: unknown): number | undefined;
