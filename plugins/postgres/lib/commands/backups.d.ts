// Types for backups.js.
export const help: string;
export function run(args: string[], ctx: any): Promise<{ message: string; actions: Record<string, any>[] }>;
export function jsonRow(r: import('../backups/listing.js').BackupRow): Record<string, unknown>;
export function renderTable(ref: string, rows: import('../backups/listing.js').BackupRow[]): string;
