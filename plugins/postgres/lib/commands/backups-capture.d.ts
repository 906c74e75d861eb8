// Types for backups-capture.js.
export const help: string;
export function run(args: string[], ctx: any): Promise<{ message: string; actions: Record<string, any>[] }>;
export const PROGRESS_EVERY_MS: number;
