// redis-cli inside a pod, authenticated without the password ever being in
// an argv: a fixed sh script (no data in it) reads the password the server
// itself enforces — the `requirepass` line of the pod's redis.conf — or
// else the pod's REDIS_PASSWORD env, and hands it to redis-cli as
// REDISCLI_AUTH. So the plugin never handles the password for these calls,
// and after `redis:new-password` (bucket changed, redis.conf not yet
// re-applied) the pod is still spoken to with the password it runs with.
import { docker } from './sdk/docker.js';
import { CONF_PATH } from './expand/defaults.js';

export { CONF_PATH };

/**
 * `sh -c AUTH_SCRIPT voodu-redis <conf> <redis-cli args…>`: $1 is the conf to
 * read the password from ('' for none), the rest goes to redis-cli verbatim.
 */
export const AUTH_SCRIPT = [
  'conf=$1; shift',
  'pw=""',
  'if [ -n "$conf" ] && [ -r "$conf" ]; then pw=$(sed -n "s/^requirepass[[:space:]][[:space:]]*//p" "$conf" | tail -n 1); fi',
  '[ -n "$pw" ] || pw="${REDIS_PASSWORD:-}"',
  'if [ -n "$pw" ]; then REDISCLI_AUTH=$pw; export REDISCLI_AUTH; fi',
  'exec redis-cli --no-auth-warning "$@"',
].join('\n');

/**
 * The argv after `docker exec [opts] <container>` that runs redis-cli with the pod's password.
 * @param {string[]} cliArgs
 * @param {{conf?: string}} [opts] `conf: ''` skips the conf (the env alone)
 */
export function authedCliArgv(cliArgs, opts = {}) {
  return ['sh', '-c', AUTH_SCRIPT, 'voodu-redis', opts.conf ?? CONF_PATH, ...cliArgs];
}

const ERROR_REPLY = /^(ERR|WRONGTYPE|NOAUTH|WRONGPASS|NOPERM|LOADING|READONLY|MASTERDOWN|BUSY|NOREPLICAS|MISCONF|EXECABORT|NOTBUSY|NOGOODSLAVE|INPROGRESS|UNKILLABLE|NOSCRIPT|IDONTKNOW)\b/;

/** The error a redis-cli answer carries, if any (redis-cli exits 0 on error replies). */
export function errorReply(stdout) {
  const first = String(stdout).split(/\r?\n/, 1)[0]?.trim() ?? '';
  return ERROR_REPLY.test(first) ? first : undefined;
}

export class RedisCliError extends Error {
  /** @param {string} message @param {string} [reply] the error reply */
  constructor(message, reply) {
    super(message);
    this.reply = reply;
  }
}

/**
 * Runs one redis-cli command in `container`; resolves its stdout, throws
 * when docker fails or redis answers an error.
 * @param {string} container
 * @param {string[]} cliArgs e.g. ['INFO', 'replication'], or ['-p', '26379', 'SENTINEL', …]
 * @param {{conf?: string, timeoutMs?: number, auth?: boolean}} [opts] `auth: false` runs redis-cli bare (sentinels)
 */
export async function redisCli(container, cliArgs, opts = {}) {
  const argv = opts.auth === false ? ['redis-cli', ...cliArgs] : authedCliArgv(cliArgs, opts);
  const r = await docker(['exec', container, ...argv], { timeoutMs: opts.timeoutMs ?? 15_000 });
  const words = cliArgs.filter((a, i) => !/^-/.test(a) && !/^-[ph]$/.test(cliArgs[i - 1] ?? ''));
  const what = `${container}: redis-cli ${words.slice(0, 2).join(' ')}`;
  if (r.code !== 0) {
    const why = (r.stderr.trim() || r.stdout.trim() || `exit ${r.code}`).split('\n').slice(-2).join(' ');
    throw new RedisCliError(`${what}: ${why}`);
  }
  const reply = errorReply(r.stdout);
  if (reply) {
    const hint = /^(NOAUTH|WRONGPASS)/.test(reply)
      ? ' — the pod refused the password of its own redis.conf; if `voodu redis:new-password` ran, finish it with `voodu apply`'
      : '';
    throw new RedisCliError(`${what}: ${reply}${hint}`, reply);
  }
  return r.stdout;
}

/** `INFO` text → {field: value} (sections and blank lines dropped). */
export function parseInfo(text) {
  const out = {};
  for (const line of String(text).split(/\r?\n/)) {
    if (!line || line.startsWith('#')) continue;
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return out;
}

/** Alternating key/value lines (CONFIG GET, SENTINEL MASTER in raw mode) → {key: value}. */
export function parsePairs(text) {
  const lines = String(text).split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  const out = {};
  for (let i = 0; i + 1 < lines.length; i += 2) out[lines[i]] = lines[i + 1];
  return out;
}

/** `INFO <section>` of a pod, parsed. */
export async function info(container, section, opts = {}) {
  return parseInfo(await redisCli(container, ['INFO', section], opts));
}
