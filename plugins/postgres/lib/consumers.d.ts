// Types for consumers.js.
import type { Cluster } from './resource.js';
export const LINKED_KEY: 'POSTGRES_LINKED_CONSUMERS';
export const READS_KEY: 'POSTGRES_READS_CONSUMERS';
export { addToList, parseList, removeFromList } from './sdk/lists.js';
export function linkedConsumers(own: Record<string, string> | undefined): { ref: string; scope: string; name: string; reads: boolean }[];
export function trackingActions(scope: string, name: string, own: Record<string, string> | undefined, consumerRef: string, change: { link: boolean; reads?: boolean }): Record<string, any>[];
export function consumerKv(cluster: Cluster, opts: { reads: boolean; primaryOrdinal?: number; password?: string }): Record<string, string>;
export function consumerActions(
  cluster: Cluster,
  opts?: { primaryOrdinal?: number; password?: string },
): { type: 'config_set'; scope: string; name: string; kv: Record<string, string> }[];
