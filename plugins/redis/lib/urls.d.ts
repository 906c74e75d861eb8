// Types for urls.js (the plugin ships as plain JS; these serve the repo's TypeScript tests).
export const REDACTED: string;
export function encodeUserinfo(s: string): string;
export function composeUrl(password: string | undefined, host: string, port: number): string;
export function redactUrl(url: string): string;
export function redisPort(spec: unknown): number;
export function redisPassword(config: unknown, spec: unknown): string | undefined;
export function buildLinkUrls(p: {
  scope: string;
  name: string;
  spec: unknown;
  config: unknown;
  readsOnly?: boolean;
  masterOrdinal?: number;
  password?: string;
}): { write: string; read?: string; masterOrdinal: number; replicas: number };
export function buildSentinelHosts(scope: string, name: string, replicas: number): string;
export function monitorTarget(spec: unknown): { scope: string; name: string } | undefined;
