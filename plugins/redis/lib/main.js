// argv → command → one answer. The controller runs every command through
// bin/voodu-redis with the command as the first argument.
//
// - expand reads {kind, scope, name, spec, config} on stdin and answers
//   {"status":"ok","data":{manifests, actions}} on stdout;
// - get-conf and help print plain text;
// - every other command lives in lib/commands/<name>.js and exports
//   `async function run(args, ctx)` answering {message, actions}; the
//   context (controller_url, …) comes as JSON on stdin.
// A failure of any command is {"status":"error","error":"…"} on stderr
// with exit code 1, the shape the controller reads a plugin error in.
// `-h` / `--help` anywhere in the arguments (before a `--`) prints that command's help.
import { readFileSync } from 'node:fs';
import { createClient } from './sdk/controller.js';

/** Every command of plugin.yml, in the order the help lists them. */
export const COMMANDS = ['expand', 'get-conf', 'link', 'unlink', 'new-password', 'failover', 'info', 'backup', 'restore', 'cli', 'help'];

/** Commands that live in lib/commands/<name>.js. */
const DISPATCHED = new Set(['link', 'unlink', 'new-password', 'failover', 'info', 'backup', 'restore', 'cli']);

const HELP_FLAGS = new Set(['-h', '--help']);

const pluginFile = (rel) => new URL(`../${rel}`, import.meta.url);

export function version() {
  const yml = readFileSync(pluginFile('plugin.yml'), 'utf8');
  return /^version:\s*["']?([^"'\s]+)/m.exec(yml)?.[1] ?? 'unknown';
}

/** `{name, help}` of every command, read from plugin.yml (its one source). */
export function commandHelp() {
  const yml = readFileSync(pluginFile('plugin.yml'), 'utf8');
  const out = [];
  for (const m of yml.matchAll(/^ {2}- name: (\S+)\n {4}help: "((?:[^"\\]|\\.)*)"/gm)) out.push({ name: m[1], help: m[2].replace(/\\"/g, '"') });
  return out;
}

export function overview() {
  // plugin.yml help reads "<usage> — <what it does>".
  const lines = commandHelp().map((c) => {
    const [usage, what] = c.help.includes(' — ') ? c.help.split(' — ', 2) : [c.name, c.help];
    return `  voodu redis:${usage}\n      ${what}`;
  });
  return `voodu-redis ${version()} — managed Redis: standalone, replicas, sentinel HA

Commands (voodu redis:<command> …):
${lines.join('\n')}

The block:
  redis "<scope>" "<name>" {
    replicas   = 3          # 1 master + 2 replicas
    appendonly = true       # AOF (appendfsync everysec); default RDB snapshots only
  }
  redis "<scope>" "<name>-quorum" {
    sentinel { monitor = "<scope>/<name>" }   # 3 sentinels that fail over <name>
  }
Anything else in the block is passed to the statefulset (image, env, volumes, probes, …).
`;
}

/** Help of one command: its plugin.yml line, or the command module's own `help` text when it has one. */
async function helpOf(command) {
  if (DISPATCHED.has(command)) {
    const mod = await loadCommand(command).catch(() => undefined);
    if (mod && typeof mod.help === 'string') return mod.help.endsWith('\n') ? mod.help : `${mod.help}\n`;
  }
  const line = commandHelp().find((c) => c.name === command);
  return `voodu redis:${command}\n\n  ${line?.help ?? '(no help)'}\n`;
}

const loadCommand = (name) => import(`./commands/${name}.js`);

/**
 * The invocation context on stdin (`{plugin, command, controller_url, plugin_dir, node_name}`),
 * with the environment as fallback. Empty or unreadable stdin is no context, not an error.
 * @param {string} text
 * @param {NodeJS.ProcessEnv} env
 */
export function readContext(text, env) {
  let raw = {};
  try {
    const parsed = text && text.trim() ? JSON.parse(text) : {};
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) raw = parsed;
  } catch {
    raw = {};
  }
  const str = (v) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
  const controllerUrl = str(raw.controller_url) ?? str(env.VOODU_CONTROLLER_URL);
  const pluginDir = str(raw.plugin_dir) ?? str(env.VOODU_PLUGIN_DIR) ?? decodeURIComponent(pluginFile('').pathname).replace(/\/$/, '');
  return {
    controllerUrl,
    pluginDir,
    nodeName: str(raw.node_name) ?? str(env.VOODU_NODE) ?? '',
    env,
    version: version(),
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
 * @param {string[]} argv the command, then its arguments
 * @param {NodeJS.ProcessEnv} env
 * @param {{stdin?: () => Promise<string>, out?: (s: string) => void, err?: (s: string) => void, exit?: (code: number) => void}} [io]
 */
export async function main(argv, env, io = {}) {
  const out = io.out ?? ((s) => process.stdout.write(s));
  const err = io.err ?? ((s) => process.stderr.write(s));
  const exit = io.exit ?? ((code) => (process.exitCode = code));
  const stdin = io.stdin ?? (() => readStdin());
  const fail = (message) => {
    err(`${JSON.stringify({ status: 'error', error: message })}\n`);
    exit(1);
  };

  const [command, ...args] = argv;
  if (command === 'version' || command === '--version' || command === '-v') return out(`${version()}\n`);
  if (!command || command === 'help' || HELP_FLAGS.has(command)) return out(overview());
  if (!COMMANDS.includes(command)) return fail(`unknown command "${command}"; the commands are ${COMMANDS.join(', ')} (see \`voodu redis:help\`)`);
  // Arguments after `--` belong to another program (redis:cli hands them to redis-cli, whose -h is a host).
  const own = args.includes('--') ? args.slice(0, args.indexOf('--')) : args;
  if (own.some((a) => HELP_FLAGS.has(a))) return out(await helpOf(command));

  try {
    if (command === 'get-conf') {
      const { readConf } = await import('./expand/conf.js');
      return out(readConf(readContext('', env).pluginDir));
    }
    if (command === 'expand') {
      const { expand } = await import('./expand/index.js');
      const data = await expand(await stdin(), { pluginDir: readContext('', env).pluginDir });
      return out(`${JSON.stringify({ status: 'ok', data })}\n`);
    }
    const mod = await loadCommand(command).catch((e) => {
      if (e?.code === 'ERR_MODULE_NOT_FOUND') throw new Error(`command "${command}" is declared but not shipped in this copy of the plugin (lib/commands/${command}.js is missing)`);
      throw e;
    });
    const ctx = readContext(await stdin(), env);
    const result = await mod.run(args, ctx);
    const data = typeof result === 'string' ? { message: result, actions: [] } : { message: result?.message ?? '', actions: result?.actions ?? [] };
    return out(`${JSON.stringify({ status: 'ok', data })}\n`);
  } catch (e) {
    return fail(e instanceof Error ? e.message : String(e));
  }
}
