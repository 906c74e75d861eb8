// Types for rediscli.js.
export const CONF_PATH: string;
export const AUTH_SCRIPT: string;
export function authedCliArgv(cliArgs: string[], opts?: { conf?: string }): string[];
export function errorReply(stdout: string): string | undefined;
export class RedisCliError extends Error {
  reply?: string;
}
export function redisCli(container: string, cliArgs: string[], opts?: { conf?: string; timeoutMs?: number; auth?: boolean }): Promise<string>;
export function parseInfo(text: string): Record<string, string>;
export function parsePairs(text: string): Record<string, string>;
export function info(container: string, section: string, opts?: { conf?: string }): Promise<Record<string, string>>;
