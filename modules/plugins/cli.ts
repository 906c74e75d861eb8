/**
 * Plugin verbs on the CLI: any
 * `<plugin>:<command> args…` (or `<plugin> <command> args…`) that is not a
 * built-in goes to `POST /plugin/<plugin>/<command>` with its args
 * untouched. The answer's message and applied lines are printed, then its
 * `exec_local` commands run here (argv, the user's terminal, exit code
 * passed on) and its `fetch_file` downloads are written.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CliError, failureOf } from '../../cli/client.js';
import { carryOut, type DispatchAnswer } from '../../cli/plugin-actions.js';
import { printJson } from '../../cli/output.js';
import type { VerbContext } from '../../cli/verb.js';

const IDENT = /^[A-Za-z0-9_-]+$/;
const COMMAND_PATH = /^[A-Za-z0-9_-]+(?::[A-Za-z0-9_-]+)*$/;
const HELP = ['-h', '--help'];
/**
 * A plugin command may take hours (a backup of a big database, up to its
 * plugin.yml `timeout`); the controller's timeout for it bounds the wait, so
 * the CLI sets none of its own.
 */
const DISPATCH_TIMEOUT_MS = 0;

export interface PluginCall {
  plugin: string;
  /** Absent for `voodu <plugin> --help`. */
  command?: string;
  args: string[];
  help: boolean;
}

/** Reads a plugin verb from the argv after the global flags; undefined when it is not one. */
export function pluginCall(rest: string[]): PluginCall | undefined {
  const [first, second] = rest;
  if (!first || first.startsWith('-')) return undefined;
  const colon = first.indexOf(':');
  if (colon > 0) {
    const plugin = first.slice(0, colon);
    const command = first.slice(colon + 1);
    if (!IDENT.test(plugin) || !COMMAND_PATH.test(command)) return undefined;
    const args = rest.slice(1);
    return { plugin, command, args, help: HELP.includes(args[0] ?? '') };
  }
  if (!IDENT.test(first) || second === undefined) return undefined;
  if (HELP.includes(second) && rest.length === 2) return { plugin: first, args: [], help: true };
  if (!COMMAND_PATH.test(second)) return undefined;
  const args = rest.slice(2);
  return { plugin: first, command: second, args, help: HELP.includes(args[0] ?? '') };
}

interface ListedPlugin {
  name: string;
  version?: string;
  description?: string;
  aliases?: string[];
  commands?: { name: string; help?: string }[];
}

async function showHelp(ctx: VerbContext, call: PluginCall): Promise<number> {
  const data = await ctx.client.data<{ plugins: ListedPlugin[] }>('GET', '/plugins');
  const plugin = data.plugins.find((p) => p.name === call.plugin || p.aliases?.includes(call.plugin));
  if (!plugin) throw new CliError(`unknown command "${call.plugin}": no built-in command and no installed plugin by that name`);
  const commands = plugin.commands ?? [];
  const out: string[] = [];
  const one = call.command ? commands.find((c) => c.name === call.command) : undefined;
  if (call.command && !one) throw new CliError(`plugin "${plugin.name}" has no command "${call.command}" (available: ${commands.map((c) => c.name).join(', ') || 'none'})`);
  if (one) {
    out.push(`voodu ${call.plugin}:${one.name} [args...]`, '', one.help ?? '(no help in plugin.yml)');
  } else {
    out.push(`${plugin.name}${plugin.version ? ` ${plugin.version}` : ''}${plugin.description ? ` — ${plugin.description}` : ''}`);
    if (plugin.aliases?.length) out.push(`aliases: ${plugin.aliases.join(', ')}`);
    out.push('', `Usage: voodu ${call.plugin}:<command> [args...]`, '', 'Commands:');
    const width = Math.max(0, ...commands.map((c) => c.name.length)) + call.plugin.length + 1;
    for (const c of commands) out.push(`  ${`${call.plugin}:${c.name}`.padEnd(width)}  ${c.help ?? ''}`.trimEnd());
  }
  ctx.stdout.write(out.join('\n') + '\n');
  return 0;
}

/** Dispatches a plugin verb; resolves with the exit code (a failing exec_local's own). */
export async function runPluginVerb(ctx: VerbContext, call: PluginCall): Promise<number> {
  if (call.help || !call.command) return showHelp(ctx, call);
  const path = `/plugin/${encodeURIComponent(call.plugin)}/${encodeURIComponent(call.command)}`;
  if (ctx.env.VOODU_DEBUG === '1') ctx.stderr.write(`voodu-debug: dispatch URL=${ctx.client.url(path)} args=${JSON.stringify(call.args)}\n`);
  // Progress lines of a long command (a promote, a followed backup) go to stderr as they come; stdout keeps the answer.
  const body = await ctx.client.requestWithProgress<{ data?: DispatchAnswer }>('POST', path, (line) => ctx.stderr.write(`${line}\n`), {
    ...(call.args.length ? { body: { args: call.args } } : {}),
    timeoutMs: DISPATCH_TIMEOUT_MS,
  });
  if (ctx.output === 'json') {
    printJson(ctx.stdout, body);
    return 0;
  }
  return carryOut(body?.data ?? {}, ctx, async (f, file) => {
    const res = await ctx.client.fetch('GET', `/plugin/${encodeURIComponent(call.plugin)}/file`, { query: { path: f.remote_path }, timeoutMs: 0 });
    if (!res.ok || !res.body) throw new Error((await failureOf(res)).message);
    await pipeline(Readable.from(res.body), file);
  });
}
