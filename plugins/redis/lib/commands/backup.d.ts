// Types for backup.js.
export const help: string;
export function run(args: string[], ctx: any): Promise<{ message: string; actions: Record<string, any>[] }>;
export function pickBackupSource(replicas: number, masterOrdinal: number, override?: number): number;
export function backupCandidates(replicas: number, masterOrdinal: number): number[];
