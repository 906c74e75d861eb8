// Types for parse.js.
export interface SentinelBlock {
  enabled: boolean;
  monitor: string;
}
export function parseSentinel(spec: Record<string, unknown> | undefined): SentinelBlock | null;
export function splitMonitorRef(ref: unknown): { scope: string; name: string };
export function validateSentinel(s: SentinelBlock | null, req: { scope?: string; name: string }, spec: Record<string, unknown> | undefined): { scope: string; name: string } | null;
export function checkSentinelReplicas(spec: Record<string, unknown> | undefined): void;
