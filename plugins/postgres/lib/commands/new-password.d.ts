// Types for new-password.js.
export const help: string;
export function run(args: string[], ctx: any): Promise<{ message: string; actions: Record<string, any>[] }>;
export function generatePassword(): string;
export function rotationSql(changes: { role: string; password: string }[]): string;
