// argv → command → one JSON envelope on stdout. Usage errors exit 2, failures 1.
import { readFileSync } from 'node:fs';
import { apply, list, reload, remove } from './commands.js';

const COMMANDS = { apply, remove, list, reload };

export function version() {
  const yml = readFileSync(new URL('../plugin.yml', import.meta.url), 'utf8');
  return /^version:\s*["']?([^"'\s]+)/m.exec(yml)?.[1] ?? 'unknown';
}

const HELP = `voodu-caddy — voodu's Caddy ingress plugin

  voodu-caddy apply <app>    save the route from VOODU_APP + VOODU_INGRESS_* and load it
  voodu-caddy remove <app>   drop the route of VOODU_APP and reload
  voodu-caddy list           the saved routes
  voodu-caddy reload         rebuild the config from every route and load it
  voodu-caddy --version

Env: VOODU_CADDY_STATE_DIR (/opt/voodu/caddy), VOODU_CADDY_ADMIN_URL (default unix://<state>/config/admin.sock;
     http://127.0.0.1:<port> for TCP on loopback)
`;

function answer(envelope, code) {
  process.stdout.write(`${JSON.stringify(envelope)}\n`);
  process.exitCode = code;
}

export async function main(argv, env) {
  const cmd = argv[0];
  if (cmd === 'version' || cmd === '--version' || cmd === '-v') {
    process.stdout.write(`${version()}\n`);
    return;
  }
  if (cmd === 'help' || cmd === '--help' || cmd === '-h') {
    process.stdout.write(HELP);
    return;
  }
  const run = cmd ? COMMANDS[cmd] : undefined;
  if (!run || !Object.hasOwn(COMMANDS, cmd)) {
    answer({ status: 'error', error: cmd ? `unknown command "${cmd}"; use apply, remove, list or reload` : 'no command; use apply, remove, list or reload' }, 2);
    return;
  }
  try {
    answer({ status: 'ok', data: await run(env) }, 0);
  } catch (err) {
    answer({ status: 'error', error: err instanceof Error ? err.message : String(err) }, 1);
  }
}
