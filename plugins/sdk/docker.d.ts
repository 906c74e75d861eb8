// Types for docker.js.
export function dockerBin(env?: NodeJS.ProcessEnv): string;
export function docker(args: string[], opts?: { env?: Record<string, string>; timeoutMs?: number; input?: string }): Promise<{ code: number; stdout: string; stderr: string }>;
export function dockerOk(args: string[], what: string, opts?: { env?: Record<string, string>; timeoutMs?: number; input?: string }): Promise<string>;
export function inspectContainer(name: string): Promise<{ running: boolean; status: string; image: string } | undefined>;
export function dockerToFd(args: string[], fd: number, opts?: { env?: Record<string, string>; timeoutMs?: number }): Promise<{ code: number; stderr: string }>;
