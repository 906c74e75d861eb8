// argv → command → one answer: the skeleton of a plugin's lib/main.js. The
// controller runs every command through the plugin's entrypoint with the
// command as the first argument; the plugin's main.js declares its commands,
// overview and built-in commands, and hands the rest to runMain:
//
// - `help` (or no command, or -h/--help first) prints the overview;
//   `version` / --version / -v prints plugin.yml's version;
// - -h / --help anywhere in a command's arguments before a `--` prints that
//   command's help: its module's own `help` text, else its plugin.yml line
//   (after `--` the arguments belong to another program, whose -h may be a host);
// - a built-in command (expand, …) answers the data of the ok envelope, or
//   plain text when it returns a string;
// - every other command lives in lib/commands/<file>.js and exports
//   `async function run(args, ctx)` answering {message, actions} (or a
//   string, the message); the context (controller_url, …) comes as JSON on stdin.
// A failure of any command is {"status":"error","error":"…"} on stderr with
// exit code 1, the shape the controller reads a plugin error in.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createClient } from './controller.js';

export const HELP_FLAGS = new Set(['-h', '--help']);

/** @param {URL} pluginDir the plugin's directory, as a file: URL ending in `/` */
const readPluginYml = (pluginDir) => readFileSync(new URL('plugin.yml', pluginDir), 'utf8');

/**
 * plugin.yml's `version`.
 * @param {URL} pluginDir
 */
export function readVersion(pluginDir) {
  return /^version:\s*["']?([^"'\s]+)/m.exec(readPluginYml(pluginDir))?.[1] ?? 'unknown';
}

/**
 * `{name, help}` of every command, read from plugin.yml (its one source).
 * Other keys of a command (`timeout: 600`) may stand between its name and its help.
 * @param {URL} pluginDir
 * @returns {{name: string, help: string}[]}
 */
export function readCommandHelp(pluginDir) {
  const out = [];
  const entry = /^ {2}- name: (\S+)\n(?: {4}(?!help:)[a-z_]+:[^\n]*\n)* {4}help: "((?:[^"\\]|\\.)*)"/gm;
  for (const m of readPluginYml(pluginDir).matchAll(entry)) out.push({ name: m[1], help: m[2].replace(/\\"/g, '"') });
  return out;
}

/**
 * The overview's command list: plugin.yml help reads "<usage> — <what it does>",
 * printed as `  <invocation>:<usage>` with what it does on the next line.
 * @param {{name: string, help: string}[]} commands
 * @param {string} invocation e.g. "voodu redis"
 */
export function commandLines(commands, invocation) {
  return commands
    .map((c) => {
      const [usage, what] = c.help.includes(' — ') ? c.help.split(' — ', 2) : [c.name, c.help];
      return `  ${invocation}:${usage}\n      ${what}`;
    })
    .join('\n');
}

/**
 * The invocation context on stdin (`{plugin, command, controller_url, plugin_dir, node_name}`),
 * with the environment as fallback. Empty or unreadable stdin is no context, not an error.
 * @param {string} text
 * @param {NodeJS.ProcessEnv} env
 * @param {URL} pluginDir where the plugin is when neither stdin nor VOODU_PLUGIN_DIR says
 */
export function readContext(text, env, pluginDir) {
  let raw = {};
  try {
    const parsed = text && text.trim() ? JSON.parse(text) : {};
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) raw = parsed;
  } catch {
    raw = {};
  }
  const str = (v) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
  const controllerUrl = str(raw.controller_url) ?? str(env.VOODU_CONTROLLER_URL);
  return {
    controllerUrl,
    pluginDir: str(raw.plugin_dir) ?? str(env.VOODU_PLUGIN_DIR) ?? fileURLToPath(pluginDir).replace(/\/$/, ''),
    nodeName: str(raw.node_name) ?? str(env.VOODU_NODE) ?? '',
    env,
    version: readVersion(pluginDir),
    /** The controller client; calls fail with a clear message when there is no controller URL. */
    controller: createClient(controllerUrl),
  };
}

/** All of stdin as text ('' when there is none or it is a terminal). */
export async function readStdin(stream = process.stdin) {
  if (stream.isTTY) return '';
  let text = '';
  stream.setEncoding('utf8');
  for await (const chunk of stream) text += chunk;
  return text;
}

/**
 * @typedef {object} PluginMain
 * @property {string} invocation  how the user types the plugin, e.g. "voodu redis" (help and errors say `<invocation>:<command>`)
 * @property {URL} pluginDir      the plugin's directory (holds plugin.yml and lib/commands/)
 * @property {readonly string[]} commands  every command of plugin.yml, in the order the help lists them
 * @property {readonly string[]} [hidden]  commands accepted but not listed (tooling, e.g. postgres's `defaults`)
 * @property {ReadonlyMap<string, string>} dispatched  command → its module lib/commands/<file>.js
 * @property {() => string} overview  the text of `help`
 * @property {Record<string, (args: string[], tools: {env: NodeJS.ProcessEnv, stdin: () => Promise<string>, pluginDir: string}) => unknown>} [builtin]
 *   commands answered in main itself: the data of the ok envelope, or a string printed as it is
 */

/**
 * Runs one command: argv is the command, then its arguments.
 * @param {string[]} argv
 * @param {NodeJS.ProcessEnv} env
 * @param {{stdin?: () => Promise<string>, out?: (s: string) => void, err?: (s: string) => void, exit?: (code: number) => void}} io
 * @param {PluginMain} plugin
 */
export async function runMain(argv, env, io, plugin) {
  const out = io?.out ?? ((s) => process.stdout.write(s));
  const err = io?.err ?? ((s) => process.stderr.write(s));
  const exit = io?.exit ?? ((code) => (process.exitCode = code));
  const stdin = io?.stdin ?? (() => readStdin());
  const fail = (message) => {
    err(`${JSON.stringify({ status: 'error', error: message })}\n`);
    exit(1);
  };
  const ok = (data) => out(`${JSON.stringify({ status: 'ok', data })}\n`);
  const load = (command) => import(new URL(`lib/commands/${plugin.dispatched.get(command)}.js`, plugin.pluginDir).href);

  const [command, ...args] = argv;
  if (command === 'version' || command === '--version' || command === '-v') return out(`${readVersion(plugin.pluginDir)}\n`);
  if (!command || command === 'help' || HELP_FLAGS.has(command)) return out(plugin.overview());
  if (!plugin.commands.includes(command) && !plugin.hidden?.includes(command)) {
    return fail(`unknown command "${command}"; the commands are ${plugin.commands.join(', ')} (see \`${plugin.invocation}:help\`)`);
  }
  const own = args.includes('--') ? args.slice(0, args.indexOf('--')) : args;
  if (own.some((a) => HELP_FLAGS.has(a))) {
    const mod = plugin.dispatched.has(command) ? await load(command).catch(() => undefined) : undefined;
    if (mod && typeof mod.help === 'string') return out(mod.help.endsWith('\n') ? mod.help : `${mod.help}\n`);
    const line = readCommandHelp(plugin.pluginDir).find((c) => c.name === command);
    return out(`${plugin.invocation}:${command}\n\n  ${line?.help ?? '(no help)'}\n`);
  }

  try {
    const builtin = plugin.builtin?.[command];
    if (builtin) {
      const answer = await builtin(args, { env, stdin, pluginDir: readContext('', env, plugin.pluginDir).pluginDir });
      return typeof answer === 'string' ? out(answer) : ok(answer);
    }
    if (!plugin.dispatched.has(command)) throw new Error(`command "${command}" has no implementation in this copy of the plugin`);
    const mod = await load(command).catch((e) => {
      const file = `lib/commands/${plugin.dispatched.get(command)}.js`;
      if (e?.code === 'ERR_MODULE_NOT_FOUND') throw new Error(`command "${command}" is declared but not shipped in this copy of the plugin (${file} is missing)`);
      throw e;
    });
    const ctx = readContext(await stdin(), env, plugin.pluginDir);
    const result = await mod.run(args, { ...ctx, command });
    return ok(typeof result === 'string' ? { message: result, actions: [] } : { message: result?.message ?? '', actions: result?.actions ?? [] });
  } catch (e) {
    return fail(e instanceof Error ? e.message : String(e));
  }
}
