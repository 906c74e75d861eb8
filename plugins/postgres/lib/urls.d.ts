// Types for urls.js.
import type { Cluster } from './resource.js';
export const REDACTED: string;
export const READ_POOL_QUERY: string;
export function encodeUserinfo(s: string): string;
export function composePostgresUrl(p: { user: string; password: string; hosts: string[]; port: number; db: string; query?: string }): string;
export function redactUrl(url: string): string;
export function buildLinkUrls(cluster: Cluster, opts?: { reads?: boolean; primaryOrdinal?: number; password?: string }): { write: string; read?: string; primaryOrdinal: number; standbys: number[] };
