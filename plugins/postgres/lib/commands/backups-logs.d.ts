// Types for backups-logs.js.
export const help: string;
export function run(args: string[], ctx: any): Promise<{ message: string; actions: Record<string, any>[] }>;
export function mergeStreams(stdout: string, stderr: string): string;
