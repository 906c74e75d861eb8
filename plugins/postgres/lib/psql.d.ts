// Types for psql.js.
import type { Cluster } from './resource.js';
export function runSql(cluster: Cluster, ordinal: number, sql: string, opts?: { db?: string; timeoutMs?: number; what?: string }): Promise<string>;
export function sqlString(s: string): string;
export function sqlIdent(s: string): string;
export function isPrimary(cluster: Cluster, ordinal: number): Promise<boolean>;
