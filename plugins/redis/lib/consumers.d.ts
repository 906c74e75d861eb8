// Types for consumers.js.
export const LINKED_KEY: string;
export const READS_KEY: string;
export function parseList(raw: unknown): string[];
export function addToList(raw: string | undefined, ref: string): string;
export function removeFromList(raw: string | undefined, ref: string): string;
export function linkedConsumers(config: Record<string, string> | undefined): { ref: string; scope: string; name: string; readsOnly: boolean }[];
export function trackingActions(
  scope: string,
  name: string,
  config: Record<string, string> | undefined,
  consumerRef: string,
  change: { link: boolean; readsOnly?: boolean },
): Record<string, any>[];
