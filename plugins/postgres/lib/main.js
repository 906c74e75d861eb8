// argv → command → one answer. The controller runs every command through
// bin/voodu-postgres with the command as the first argument.
//
// - expand reads {kind, scope, name, spec, config} on stdin and answers
//   {"status":"ok","data":{manifests, actions}} on stdout;
// - help prints plain text;
// - every other command lives in lib/commands/<name>.js (`backups:capture`
//   in backups-capture.js) and exports `async function run(args, ctx)`
//   answering {message, actions}, and a `help` text; the context
//   (controller_url, …) comes as JSON on stdin.
// A failure of any command is {"status":"error","error":"…"} on stderr
// with exit code 1, the shape the controller reads a plugin error in.
// Progress of a long command (promote, a followed backup) is plain lines on
// stderr (lib/progress.js), which the controller streams to the CLI.
// `-h` / `--help` anywhere in the arguments (before a `--`) prints that command's help.
import { readFileSync } from 'node:fs';
import { createClient } from './sdk/controller.js';

/** Every command of plugin.yml, in the order the help lists them. */
export const COMMANDS = [
  'expand', 'link', 'unlink', 'new-password', 'info', 'expose', 'unexpose', 'promote', 'failover', 'rejoin', 'psql',
  'backups', 'backups:capture', 'backups:logs', 'backups:restore', 'backups:download', 'backups:delete', 'backups:prune', 'backups:schedule', 'backups:cancel',
  'help',
];

/** Commands that live in lib/commands/<file>.js, by command name. */
const DISPATCHED = new Map(COMMANDS.filter((c) => c !== 'expand' && c !== 'help').map((c) => [c, c.replace(/:/g, '-')]));
// failover is promote under its other name.
DISPATCHED.set('failover', 'promote');

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
  for (const m of yml.matchAll(/^ {2}- name: (\S+)\n(?: {4}timeout: \d+\n)? {4}help: "((?:[^"\\]|\\.)*)"/gm)) out.push({ name: m[1], help: m[2].replace(/\\"/g, '"') });
  return out;
}

export function overview() {
  // plugin.yml help reads "<usage> — <what it does>".
  const lines = commandHelp().map((c) => {
    const [usage, what] = c.help.includes(' — ') ? c.help.split(' — ', 2) : [c.name, c.help];
    return `  voodu pg:${usage}\n      ${what}`;
  });
  return `voodu-postgres ${version()} — managed PostgreSQL: streaming replication, promote, backups

Commands (voodu postgres:<command> …, or voodu pg:<command> …):
${lines.join('\n')}

The block:
  postgres "<scope>" "<name>" {
    replicas = 3            # pod 0 is the primary, 1 and 2 stream from it
    database = "app"        # default postgres
    user     = "app"        # default postgres
    pg_config = { max_connections = 200 }
  }
Anything else in the block is passed to the statefulset (image, env, volumes, …).
`;
}

/** Help of one command: the command module's own `help` text, else its plugin.yml line. */
async function helpOf(command) {
  if (DISPATCHED.has(command)) {
    const mod = await loadCommand(command).catch(() => undefined);
    if (mod && typeof mod.help === 'string') return mod.help.endsWith('\n') ? mod.help : `${mod.help}\n`;
  }
  const line = commandHelp().find((c) => c.name === command);
  return `voodu pg:${command}\n\n  ${line?.help ?? '(no help)'}\n`;
}

const loadCommand = (command) => import(`./commands/${DISPATCHED.get(command)}.js`);

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
  if (!COMMANDS.includes(command) && command !== 'defaults') return fail(`unknown command "${command}"; the commands are ${COMMANDS.join(', ')} (see \`voodu pg:help\`)`);
  // Arguments after `--` belong to another program (pg:psql hands them to psql, whose -h is a host).
  const own = args.includes('--') ? args.slice(0, args.indexOf('--')) : args;
  if (own.some((a) => HELP_FLAGS.has(a))) return out(await helpOf(command));

  try {
    if (command === 'expand' || command === 'defaults') {
      const expandMod = await import('./expand/index.js');
      const data = command === 'expand' ? await expandMod.expand(await stdin()) : expandMod.defaults();
      return out(`${JSON.stringify({ status: 'ok', data })}\n`);
    }
    const mod = await loadCommand(command).catch((e) => {
      if (e?.code === 'ERR_MODULE_NOT_FOUND') throw new Error(`command "${command}" is declared but not shipped in this copy of the plugin (lib/commands/${DISPATCHED.get(command)}.js is missing)`);
      throw e;
    });
    const ctx = readContext(await stdin(), env);
    const result = await mod.run(args, { ...ctx, command });
    const data = typeof result === 'string' ? { message: result, actions: [] } : { message: result?.message ?? '', actions: result?.actions ?? [] };
    return out(`${JSON.stringify({ status: 'ok', data })}\n`);
  } catch (e) {
    return fail(e instanceof Error ? e.message : String(e));
  }
}
