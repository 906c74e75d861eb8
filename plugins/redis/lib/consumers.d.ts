// Types for consumers.js.
export const LINKED_KEY: string;
export const READS_KEY: string;
export { addToList, parseList, removeFromList } from './sdk/lists.js';
export function linkedConsumers(config: Record<string, string> | undefined): { ref: string; scope: string; name: string; readsOnly: boolean }[];
export function trackingActions(scope: string, name: string, config: Record<string, string> | undefined, consumerRef: string, change: { link: boolean; readsOnly?: boolean }): Record<string, any>[];
