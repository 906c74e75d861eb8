// Types for rejoin.js.
export const help: string;
export function run(args: string[], ctx: any): Promise<{ message: string; actions: Record<string, any>[] }>;
