// Types for psql.js.
export const help: string;
export function run(args: string[], ctx: any): Promise<{ message: string; actions: Record<string, any>[] }>;
export function psqlArgv(p: { docker: string; container: string; user: string; db: string; port: number; command?: string; rest?: string[] }): string[];
