// Types for seed.js.
export function keyCount(keyspace: Record<string, string>): number;
export function restoreIntoMaster(master: { ordinal: number; container: string }, file: string, deadline: number): Promise<{ keys: number; appendonly: boolean; loadedMs: number }>;
export function waitReplicas(master: { ordinal: number; container: string }, pods: { ordinal: number; container: string; running: boolean }[], deadline: number): Promise<string[]>;
export function persistRestored(master: { ordinal: number; container: string }, appendonly: boolean, deadline: number): Promise<string>;
