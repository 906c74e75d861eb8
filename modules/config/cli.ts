/**
 * `voodu config <ref> [list|get|set|unset]`.
 * CLI side only: imports nothing from the daemon. Key rules are the
 * controller's to enforce, so its message is the one the operator sees.
 */
import { CliError } from '../../cli/client.js';
import { parsePairs, parseStdinPairs, readAll } from '../../cli/config-pairs.js';
import { printJson } from '../../cli/output.js';
import { outputOption, type Verb, type VerbContext } from '../../cli/verb.js';

export { parsePairs } from '../../cli/config-pairs.js';

type Vars = Record<string, string>;

interface Bucket {
  scope: string;
  name?: string;
}

interface ChangeAnswer {
  vars: Vars;
  restarted: string[];
}

const ACTIONS = ['list', 'get', 'set', 'unset'] as const;

export const config: Verb = {
  name: 'config',
  args: '<ref> [action]',
  description:
    'Show or change the environment variables of a scope or an app. ' +
    'REF is <scope> or <scope>/<name>; ACTION is list (default), get [PATTERN], set KEY=VALUE [KEY=VALUE...] (or set --stdin) or unset KEY [KEY...]. ' +
    'App variables override scope ones, and both override the manifest env. ' +
    'A change restarts the resources that read it, unless --no-restart is given.',
  options: [
    { flags: '--restart', description: 'after set/unset, restart the resources that read the variables (--no-restart: only store them)', default: true },
    // Values on stdin stay out of argv (ps, shell history); over ssh every `config set` travels this way.
    { flags: '--stdin', description: 'set: read the variables from stdin, as KEY=VALUE lines or a JSON object {"KEY": "value"}, not from arguments', default: false },
    outputOption,
  ],
  output: true,
  examples: [
    'config prod/api',
    'config prod/api get DATABASE',
    'config prod/api set DATABASE_URL=postgres://db/app LOG_LEVEL=debug',
    'config prod set SENTRY_DSN=https://key@sentry.example/1 --no-restart',
    'config prod/api set --stdin < secrets.env',
    'config prod/api unset LOG_LEVEL',
    'config prod/api list -o json',
  ],
  async run(ctx, args, opts) {
    const bucket = parseRef(args[0]);
    const action = args[1] ?? 'list';
    const rest = ((opts._ as unknown[] | undefined) ?? []).map(String);
    const restart = opts.restart !== false;
    switch (action) {
      case 'list':
        if (rest.length) throw new CliError(`config list takes no arguments (got ${rest.length}); use \`config <ref> get PATTERN\` to filter`);
        printVars(ctx, await fetchVars(ctx, bucket));
        return;
      case 'get':
        return get(ctx, bucket, rest);
      case 'set':
        return set(ctx, bucket, opts.stdin === true ? await varsFromStdin(ctx, rest) : parsePairs(rest), restart);
      case 'unset':
        return unset(ctx, bucket, rest, restart);
      default: {
        const hint = action.includes('=') ? `; to set it run \`voodu config ${args[0]} set ${action.split('=')[0]}=…\`` : '';
        throw new CliError(`unknown config action "${action}"; use one of ${ACTIONS.join(', ')}${hint}`);
      }
    }
  },
};

export const verbs: Verb[] = [config];

/** `<scope>` or `<scope>/<name>`; the controller checks the segments themselves. */
export function parseRef(ref: string | undefined): Bucket {
  const parts = (ref ?? '').split('/');
  if (!ref || parts.length > 2 || parts.some((p) => p === '')) {
    throw new CliError(`ref "${ref ?? ''}" is not <scope> or <scope>/<name> (e.g. prod or prod/api)`);
  }
  return parts[1] ? { scope: parts[0]!, name: parts[1] } : { scope: parts[0]! };
}

async function get(ctx: VerbContext, bucket: Bucket, rest: string[]) {
  if (rest.length > 1) throw new CliError(`config get takes at most one PATTERN (got ${rest.length})`);
  const vars = await fetchVars(ctx, bucket);
  const pattern = rest[0];
  if (pattern === undefined) return printVars(ctx, vars);
  const needle = pattern.toLowerCase();
  const matched = Object.fromEntries(Object.entries(vars).filter(([key]) => key.toLowerCase().includes(needle)));
  if (!Object.keys(matched).length) throw new CliError(`no variable of ${label(bucket)} matches "${pattern}"`);
  printVars(ctx, matched);
}

async function varsFromStdin(ctx: VerbContext, rest: string[]): Promise<Vars> {
  if (rest.length) throw new CliError('config set --stdin reads the variables from stdin; give KEY=VALUE either as arguments or on stdin, not both');
  if ((ctx.stdin as NodeJS.ReadStream).isTTY) throw new CliError('config set --stdin reads KEY=VALUE lines from stdin, but stdin is a terminal; pipe them in (e.g. < secrets.env)');
  return parseStdinPairs(await readAll(ctx.stdin));
}

async function set(ctx: VerbContext, bucket: Bucket, vars: Vars, restart: boolean) {
  const answer = await ctx.client.data<ChangeAnswer>('POST', '/config', { query: query(bucket, restart), body: vars });
  printVars(ctx, vars);
  reportRestarts(ctx, answer?.restarted);
}

/**
 * Checks every key first so a typo changes nothing, then deletes one key per
 * request (the API's shape) and lets only the last one restart: one rollout
 * for the whole command, not one per key.
 */
async function unset(ctx: VerbContext, bucket: Bucket, rest: string[], restart: boolean) {
  const names = [...new Set(rest)];
  if (!names.length) throw new CliError('config unset needs at least one KEY');
  const current = await ctx.client.data<{ vars: Vars }>('GET', '/config', { query: { ...query(bucket), merge: 'false' } });
  const missing = names.filter((key) => !Object.hasOwn(current?.vars ?? {}, key));
  if (missing.length) throw new CliError(`${missing.map((k) => `"${k}"`).join(', ')} not set in ${label(bucket)}; nothing was unset`);
  let restarted: string[] = [];
  for (const [i, key] of names.entries()) {
    const last = i === names.length - 1;
    const answer = await ctx.client.data<ChangeAnswer>('DELETE', '/config', { query: { ...query(bucket, last && restart), key } });
    if (last) restarted = answer?.restarted ?? [];
  }
  if (ctx.output === 'json') printJson(ctx.stdout, { unset: names, restarted });
  else for (const key of names) ctx.stdout.write(`Unset ${key}\n`);
  if (ctx.output !== 'json') reportRestarts(ctx, restarted);
}

async function fetchVars(ctx: VerbContext, bucket: Bucket): Promise<Vars> {
  return (await ctx.client.data<{ vars?: Vars }>('GET', '/config', { query: query(bucket) }))?.vars ?? {};
}

function query(bucket: Bucket, restart?: boolean) {
  return { scope: bucket.scope, name: bucket.name, ...(restart === false ? { restart: 'false' } : {}) };
}

function printVars(ctx: VerbContext, vars: Vars) {
  const sorted = Object.keys(vars).sort();
  if (ctx.output === 'json') return printJson(ctx.stdout, Object.fromEntries(sorted.map((k) => [k, vars[k]])));
  if (!sorted.length) return void ctx.stdout.write('No environment variables set\n');
  for (const key of sorted) ctx.stdout.write(`${key}=${vars[key]}\n`);
}

/** On stderr, so stdout stays the variables alone for scripts. */
function reportRestarts(ctx: VerbContext, restarted: string[] | undefined) {
  if (restarted?.length) ctx.stderr.write(`restarting ${restarted.join(', ')}\n`);
}

function label(bucket: Bucket): string {
  return bucket.name ? `${bucket.scope}/${bucket.name}` : bucket.scope;
}
