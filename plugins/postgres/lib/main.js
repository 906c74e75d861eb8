// argv → command → one answer. The controller runs every command through
// bin/voodu-postgres with the command as the first argument; the skeleton
// (help, version, unknown commands, the error envelope on stderr with exit
// code 1, lib/commands/<file>.js) is the SDK's (sdk/dispatch.js). Here:
//
// - expand reads {kind, scope, name, spec, config} on stdin and answers
//   {"status":"ok","data":{manifests, actions}} on stdout; `defaults` (not
//   listed) answers the block's keys with their defaults;
// - help prints plain text;
// - every other command lives in lib/commands/<name>.js (`backups:capture`
//   in backups-capture.js, `failover` in promote.js) and exports
//   `async function run(args, ctx)` answering {message, actions}, and a
//   `help` text; ctx.command is the command as invoked.
// Progress of a long command (promote, a followed backup) is plain lines on
// stderr (lib/progress.js), which the controller streams to the CLI.
import { commandLines, readCommandHelp, readContext as sdkReadContext, readVersion, runMain } from './sdk/dispatch.js';

export { readStdin } from './sdk/dispatch.js';

const PLUGIN_DIR = new URL('../', import.meta.url);

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

export const version = () => readVersion(PLUGIN_DIR);

/** `{name, help}` of every command, read from plugin.yml (its one source). */
export const commandHelp = () => readCommandHelp(PLUGIN_DIR);

export function overview() {
  return `voodu-postgres ${version()} — managed PostgreSQL: streaming replication, promote, backups

Commands (voodu postgres:<command> …, or voodu pg:<command> …):
${commandLines(commandHelp(), 'voodu pg')}

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
    invocation: 'voodu pg',
    pluginDir: PLUGIN_DIR,
    commands: COMMANDS,
    hidden: ['defaults'],
    dispatched: DISPATCHED,
    overview,
    builtin: {
      expand: async (_args, { stdin }) => (await import('./expand/index.js')).expand(await stdin()),
      defaults: async () => (await import('./expand/index.js')).defaults(),
    },
  });
}
