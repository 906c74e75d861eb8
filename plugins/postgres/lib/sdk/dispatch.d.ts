// Types for dispatch.js.
import type { ControllerClient } from './controller.js';
export interface CommandContext {
  controllerUrl: string | undefined;
  pluginDir: string;
  nodeName: string;
  env: NodeJS.ProcessEnv;
  version: string;
  controller: ControllerClient;
  /** The command as invoked (postgres's `failover` reaches promote.js with command "failover"). */
  command?: string;
}
export interface CommandResult {
  message?: string;
  actions?: Record<string, unknown>[];
}
export interface MainIO {
  stdin?: () => Promise<string>;
  out?: (s: string) => void;
  err?: (s: string) => void;
  exit?: (code: number) => void;
}
export interface BuiltinTools {
  env: NodeJS.ProcessEnv;
  stdin: () => Promise<string>;
  /** The plugin's directory as readContext resolves it ($VOODU_PLUGIN_DIR, else where the plugin is). */
  pluginDir: string;
}
export interface PluginMain {
  invocation: string;
  pluginDir: URL;
  commands: readonly string[];
  hidden?: readonly string[];
  dispatched: ReadonlyMap<string, string>;
  overview(): string;
  builtin?: Record<string, (args: string[], tools: BuiltinTools) => unknown>;
}
export const HELP_FLAGS: ReadonlySet<string>;
export function readVersion(pluginDir: URL): string;
export function readCommandHelp(pluginDir: URL): { name: string; help: string }[];
export function commandLines(commands: { name: string; help: string }[], invocation: string): string;
export function readContext(text: string, env: NodeJS.ProcessEnv, pluginDir: URL): CommandContext;
export function readStdin(stream?: NodeJS.ReadableStream): Promise<string>;
export function runMain(argv: string[], env: NodeJS.ProcessEnv, io: MainIO | undefined, plugin: PluginMain): Promise<void>;
