// Types for lists.js.
export interface ListKeys {
  linked: string;
  reads: string;
}
export function parseList(raw: unknown): string[];
export function addToList(raw: string | undefined, ref: string): string;
export function removeFromList(raw: string | undefined, ref: string): string;
export function linkedConsumers(own: Record<string, string> | undefined, keys: ListKeys): { ref: string; scope: string; name: string; reads: boolean }[];
export function trackingActions(
  scope: string,
  name: string,
  own: Record<string, string> | undefined,
  consumerRef: string,
  change: { link: boolean; reads?: boolean },
  keys: ListKeys,
): Record<string, any>[];
