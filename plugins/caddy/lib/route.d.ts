// Types for route.js (the plugin ships as plain JS; these serve the repo's TypeScript tests).
export interface Location { path: string; strip?: boolean }
export interface Route {
  app: string;
  host: string;
  upstream: string;
  upstreams: string[];
  dns?: string;
  lb_policy?: string;
  lb_interval?: string;
  health_check_path?: string;
  locations?: Location[];
  tls?: boolean;
  tls_provider?: string;
  tls_email?: string;
  on_demand?: boolean;
  tls_ask?: string;
}
export class RouteError extends Error {}
export const LB_POLICIES: string[];
export const TLS_PROVIDERS: string[];
export function checkApp(app: unknown): string;
export function checkHost(host: unknown, field?: string): string;
export function checkUpstream(u: unknown, field?: string): string;
export function checkDuration(v: unknown, field: string): string;
export function checkPath(p: unknown, field: string): string;
export function validateRoute(r: unknown): Route;
export function parseUpstreams(env: Record<string, string | undefined>): string[];
export function routeFromEnv(env: Record<string, string | undefined>): Route;
