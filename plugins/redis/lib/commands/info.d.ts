// Types for info.js.
export const help: string;
export function run(args: string[], ctx: any): Promise<{ message: string; actions: Record<string, any>[] }>;
export function describe(
  res: { scope: string; name: string; ref: string },
  redis: { spec: any; config: any; own: any },
  opts?: { showPassword?: boolean; version?: string; sentinels?: { scope: string; name: string; replicas: number }[] },
): Record<string, any>;
export function render(facts: Record<string, any>): string;
