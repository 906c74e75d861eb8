// Types for retention.js.
export interface Policy {
  keep: number;
  maxAgeMs: number;
}
export const DEFAULT_KEEP: string;
export function parseDuration(text: unknown): number;
export function formatDuration(ms: number): string;
export function isZero(policy: Partial<Policy> | undefined): boolean;
export function describePolicy(policy: Partial<Policy> | undefined): string;
export function parseKeep(text: unknown): number;
export function policyFromConfig(config?: Record<string, string>): { keep?: number; maxAgeMs?: number; warnings: string[] };
export function retentionFlags(flags: Record<string, unknown>): { keep?: number; maxAgeMs?: number };
export function mergePolicy(fromFlags?: { keep?: number; maxAgeMs?: number }, fromBucket?: { keep?: number; maxAgeMs?: number }): Policy;
export function newestFirst<T extends { number: number; createdAt: Date }>(backups: T[]): T[];
export function applyRetention<T extends { number: number; createdAt: Date }>(backups: T[], policy: Policy, now?: Date): { kept: T[]; removed: T[] };
