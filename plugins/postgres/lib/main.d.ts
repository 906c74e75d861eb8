// Types for main.js.
import type { CommandContext, MainIO } from './sdk/dispatch.js';
export type { CommandContext, CommandResult } from './sdk/dispatch.js';
export const COMMANDS: string[];
export function version(): string;
export function commandHelp(): { name: string; help: string }[];
export function overview(): string;
export function readContext(text: string, env: NodeJS.ProcessEnv): CommandContext;
export { readStdin } from './sdk/dispatch.js';
export function main(argv: string[], env: NodeJS.ProcessEnv, io?: MainIO): Promise<void>;
