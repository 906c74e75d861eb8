// Types for rejoin-core.js.
import type { Cluster } from './resource.js';
import type { Deps } from './replication.js';
export const REWIND_FUNCTIONS: string[];
export function rewindGrantsSql(role: string): string;
export function rewindArgv(cluster: Cluster, primary: number): string[];
export function recreatePod(ctx: { controller: any; controllerUrl?: string }, cluster: Cluster, ordinal: number, opts?: { prune?: boolean; deps?: Deps }): Promise<void>;
export function assertRejoinable(cluster: Cluster, ordinal: number, primary: number, flag?: string): void;
export function rejoinPod(
  ctx: { controller: any; controllerUrl?: string },
  cluster: Cluster,
  ordinal: number,
  opts?: { primary?: number; streamTimeoutMs?: number; rebuildTimeoutMs?: number },
  deps?: Deps,
): Promise<{ outcome: 'rewound' | 'no-rewind' | 'rebuilt'; rewindError?: string; seconds: number; summary: string }>;
export function holdDown(deps: Deps, cluster: Cluster, ordinal: number, tries?: number): Promise<void>;
