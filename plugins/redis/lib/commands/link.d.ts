// Types for link.js.
export const help: string;
export function run(args: string[], ctx: any): Promise<{ message: string; actions: Record<string, any>[] }>;
export function linkedMessage(providerRef: string, consumerRef: string, urls: { write: string; read?: string; masterOrdinal: number; replicas: number }, readsOnly: boolean, sentinel: boolean, removed?: string[]): string;
