// Types for config.js (the plugin ships as plain JS; these serve the repo's TypeScript tests).
import type { Route } from './route.js';
export const LETSENCRYPT_CA: string;
export const ADMIN_LISTEN: string;
export const SERVER: string;
export const TRY_DURATION: string;
export const TRY_INTERVAL: string;
export const DEFAULT_HC_INTERVAL: string;
export const IDEMPOTENT: string[];
export const PASSIVE_FAIL_DURATION: string;
export const DNS_REFRESH: string;
export const DNS_FAIL_DURATION: string;
export const NOT_FOUND_ROUTE: CaddyRoute;
// Caddy's JSON is open-ended; tests index into it freely.
export type CaddyRoute = { match?: any[]; handle: any[]; terminal?: boolean };
export function reverseProxy(route: Route): any;
export function redirectRoute(hosts: string[]): CaddyRoute;
export function buildConfig(routes: Route[], opts?: { adminListen?: string }): any;
