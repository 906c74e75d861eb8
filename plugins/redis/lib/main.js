// argv → command → one answer. The controller runs every command through
// bin/voodu-redis with the command as the first argument; the skeleton
// (help, version, unknown commands, the error envelope on stderr with exit
// code 1, lib/commands/<name>.js) is the SDK's (sdk/dispatch.js). Here:
//
// - expand reads {kind, scope, name, spec, config} on stdin and answers
//   {"status":"ok","data":{manifests, actions}} on stdout;
// - get-conf and help print plain text;
// - every other command lives in lib/commands/<name>.js and exports
//   `async function run(args, ctx)` answering {message, actions}.
import { commandLines, readCommandHelp, readContext as sdkReadContext, readVersion, runMain } from './sdk/dispatch.js';

export { readStdin } from './sdk/dispatch.js';

const PLUGIN_DIR = new URL('../', import.meta.url);

/** Every command of plugin.yml, in the order the help lists them. */
export const COMMANDS = ['expand', 'get-conf', 'link', 'unlink', 'new-password', 'failover', 'info', 'backup', 'restore', 'cli', 'help'];

/** Commands that live in lib/commands/<name>.js. */
const DISPATCHED = new Map(['link', 'unlink', 'new-password', 'failover', 'info', 'backup', 'restore', 'cli'].map((c) => [c, c]));

export const version = () => readVersion(PLUGIN_DIR);

/** `{name, help}` of every command, read from plugin.yml (its one source). */
export const commandHelp = () => readCommandHelp(PLUGIN_DIR);

export function overview() {
  return `voodu-redis ${version()} — managed Redis: standalone, replicas, sentinel HA

Commands (voodu redis:<command> …):
${commandLines(commandHelp(), 'voodu redis')}

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

/**
 * The invocation context on stdin (`{plugin, command, controller_url, plugin_dir, node_name}`),
 * with the environment as fallback. Empty or unreadable stdin is no context, not an error.
 * @param {string} text
 * @param {NodeJS.ProcessEnv} env
 */
export const readContext = (text, env) => sdkReadContext(text, env, PLUGIN_DIR);

/**
 * @param {string[]} argv the command, then its arguments
 * @param {NodeJS.ProcessEnv} env
 * @param {import('./sdk/dispatch.js').MainIO} [io]
 */
export function main(argv, env, io = {}) {
  return runMain(argv, env, io, {
    invocation: 'voodu redis',
    pluginDir: PLUGIN_DIR,
    commands: COMMANDS,
    dispatched: DISPATCHED,
    overview,
    builtin: {
      'get-conf': async (_args, { pluginDir }) => (await import('./expand/conf.js')).readConf(pluginDir),
      expand: async (_args, { stdin, pluginDir }) => (await import('./expand/index.js')).expand(await stdin(), { pluginDir }),
    },
  });
}
