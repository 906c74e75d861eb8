// Types for info.js.
import type { Cluster } from '../resource.js';
export interface LivePod {
  ordinal: number;
  state: string;
  role: 'primary' | 'standby' | 'unknown';
  published: string[];
}
export const help: string;
export function run(args: string[], ctx: any): Promise<{ message: string; actions: Record<string, any>[] }>;
export function livePods(cluster: Cluster): Promise<LivePod[]>;
export function describe(cluster: Cluster, opts?: { showPassword?: boolean; version?: string; live?: LivePod[] }): Record<string, any>;
export function bindAddress(cluster: Cluster): string | null;
export function render(facts: Record<string, any>): string;
