// Types for link.js.
import type { Cluster } from '../resource.js';
export const help: string;
export function run(args: string[], ctx: any): Promise<{ message: string; actions: Record<string, any>[] }>;
export function linkedMessage(cluster: Cluster, consumerRef: string, reads: boolean, removedRead?: boolean): string;
