// Types for backups-schedule.js.
export const help: string;
export function run(args: string[], ctx: any): Promise<{ message: string; actions: Record<string, any>[] }>;
export const DEFAULT_SCHEDULE: string;
export function cronProblem(expr: unknown): string | undefined;
