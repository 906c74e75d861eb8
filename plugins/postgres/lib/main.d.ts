// Types for main.js.
import type { ControllerClient } from './sdk/controller.js';
export interface CommandContext {
  controllerUrl: string | undefined;
  pluginDir: string;
  nodeName: string;
  env: NodeJS.ProcessEnv;
  version: string;
  controller: ControllerClient;
  /** The command as invoked (`failover` reaches promote.js with command "failover"). */
  command?: string;
}
export interface CommandResult {
  message?: string;
  actions?: Record<string, unknown>[];
}
export const COMMANDS: string[];
export function version(): string;
export function commandHelp(): { name: string; help: string }[];
export function overview(): string;
export function readContext(text: string, env: NodeJS.ProcessEnv): CommandContext;
export function readStdin(stream?: NodeJS.ReadableStream): Promise<string>;
export function main(
  argv: string[],
  env: NodeJS.ProcessEnv,
  io?: { stdin?: () => Promise<string>; out?: (s: string) => void; err?: (s: string) => void; exit?: (code: number) => void },
): Promise<void>;
