// Types for promote.js.
import type { Cluster } from '../resource.js';
import type { Deps } from '../replication.js';
export const help: string;
export const LAG_WAIT_MS: number;
export const FINAL_WAIT_MS: number;
export function run(args: string[], ctx: any): Promise<{ message: string; actions: Record<string, any>[] }>;
export function promote(
  ctx: { controller: any; controllerUrl?: string },
  cluster: Cluster,
  opts: { target: number; force?: boolean; noRestart?: boolean; verb?: string },
  deps?: Deps,
): Promise<{ message: string; actions: Record<string, any>[] }>;
export function lagCheck(deps: Deps, cluster: Cluster, old: number, target: number, waitMs?: number): Promise<void>;
export function lsnText(n: bigint): string;
