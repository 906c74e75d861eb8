// Types for topology.js.
export function asInt(v: unknown): number | undefined;
export function redisReplicas(spec: unknown): number;
export function redisMasterOrdinal(config: Record<string, string> | undefined): number;
