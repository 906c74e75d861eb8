// Types for jobs.js.
import type { BackupContainer } from './listing.js';
export function storedJobNumbers(ctx: { controller: any }, scope: string, name: string): Promise<number[]>;
export function staleJobActions(scope: string, listing: { files: { number: number }[]; containers: BackupContainer[] }): Record<string, any>[];
export function followJobRun(
  controllerUrl: string | undefined,
  scope: string,
  job: string,
  opts?: { fetch?: typeof fetch; onLog?: (line: string) => void; keepLines?: number },
): Promise<{ run: { run_id: string; status: string; started_at?: string; ended_at?: string; exit_code?: number; error?: string }; logs: string[] }>;
