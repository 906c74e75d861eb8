// Types for admin.js (the plugin ships as plain JS; these serve the repo's TypeScript tests).
export type Admin = { kind: 'unix'; socketPath: string; href: string } | { kind: 'http'; host: string; port: number; href: string };
export const SOCKET_NAME: string;
export const SOCKET_IN_CONTAINER: string;
export function defaultSocket(stateDir: string): string;
export function adminEndpoint(env: Record<string, string | undefined>, stateDir: string): Admin;
export function adminListen(admin: Admin): string;
export function loadConfig(admin: Admin, config: unknown): Promise<void>;
export function getConfig(admin: Admin): Promise<any>;
