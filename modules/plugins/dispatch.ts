/**
 * `POST /plugin/{name}/{command}`:
 * runs a declared command with the CLI's args and the invocation context
 * on stdin, then carries out the actions it hands back in order. Every
 * action is first checked as a dry run, so a malformed one fails the call
 * before any has an effect. `exec_local` and `fetch_file` come back in the
 * answer for the CLI. The plugin's stderr lines are its progress: streamed
 * (masked) to a client that asked for progress, and otherwise shown only as
 * the text of a failure. A command's plugin.yml `timeout` extends the
 * controller's default for it.
 */
import { type Action, type ActionContext, type Hooks } from '../../kernel/index.js';
import { NotFoundError, ValidationError, VooduError, messageOf } from '../../lib/errors.js';
import { checkActionList } from './actions.js';
import type { LoadedPlugin } from './contract.js';
import { loadByName } from './load.js';
import { PluginRunError, errorDetail, runPlugin, type RunObserver } from './run.js';
import { refFromArg, type Redactor } from './redact.js';
import type { OpenSession } from './session.js';

export interface DispatchDeps {
  root: string;
  hooks: Hooks;
  timeoutMs: number;
  /** Env and capability URL for one invocation of `plugin` (see session.ts). */
  session: OpenSession;
  nodeName: string;
  /** Masks the config values of the call's `<scope>/<name>` (its first arg) in plugin text copied into errors. */
  redact?: Redactor;
  observe?: RunObserver;
}

export interface DispatchAnswer {
  message: string;
  applied: string[];
  exec_local?: Action[];
  fetch_file?: Action[];
}

const MAX_ARGS = 256;
const MAX_ARG_BYTES = 64 * 1024;
const COMMAND = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,127}$/;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseArgs(body: unknown): string[] {
  if (body === undefined || body === null) return [];
  if (!isObject(body)) throw new ValidationError('body: must be {"args": ["…"]}', { field: 'body' });
  for (const key of Object.keys(body)) if (key !== 'args') throw new ValidationError(`body.${key}: unknown field; the body is {"args": [...]}`, { field: `body.${key}` });
  if (body.args === undefined || body.args === null) return [];
  if (!Array.isArray(body.args)) throw new ValidationError('body.args: must be a list of strings', { field: 'body.args' });
  if (body.args.length > MAX_ARGS) throw new ValidationError(`body.args: ${body.args.length} arguments; at most ${MAX_ARGS}`, { field: 'body.args' });
  return body.args.map((a, i) => {
    if (typeof a !== 'string') throw new ValidationError(`body.args[${i}]: must be a string`, { field: `body.args[${i}]` });
    if (Buffer.byteLength(a) > MAX_ARG_BYTES || a.includes('\0')) throw new ValidationError(`body.args[${i}]: longer than 64 KiB or holds a NUL`, { field: `body.args[${i}]` });
    return a;
  });
}

/** Declared commands that have an executable (or the entrypoint), sorted. */
export function availableCommands(plugin: LoadedPlugin): string[] {
  return plugin.manifest.commands.map((c) => c.name).filter((c) => plugin.commands.has(c)).sort();
}

export async function findPlugin(root: string, name: string): Promise<LoadedPlugin> {
  try {
    return await loadByName(root, name);
  } catch (err) {
    if (err instanceof NotFoundError) throw new ValidationError(`plugin "${name}": ${err.message}; install it with \`voodu plugins:install\``, { field: 'plugin' });
    throw err;
  }
}

/**
 * How long `command` may run: its plugin.yml `timeout` when it declares one
 * longer than the controller's default (a promote, a backup), else the default.
 */
export function commandTimeoutMs(plugin: LoadedPlugin, command: string, fallbackMs: number): number {
  const declared = plugin.manifest.commands.find((c) => c.name === command)?.timeoutS;
  return declared ? Math.max(declared * 1000, fallbackMs) : fallbackMs;
}

/** A plugin's own error envelope on stderr is its failure, not progress. */
const isEnvelopeLine = (line: string) => /^\s*\{\s*"status"\s*:/.test(line);

export async function dispatch(
  deps: DispatchDeps,
  name: string,
  command: string,
  body: unknown,
  restart: boolean,
  signal?: AbortSignal,
  progress?: (line: string) => void,
): Promise<DispatchAnswer> {
  if (!COMMAND.test(command)) throw new ValidationError(`command ${JSON.stringify(command)}: not a valid command name`, { field: 'command' });
  const args = parseArgs(body);
  const plugin = await findPlugin(deps.root, name);
  const p = plugin.manifest.name;
  const available = availableCommands(plugin);
  if (!available.includes(command)) {
    const list = available.length > 20 ? `${available.slice(0, 20).join(', ')}, ...` : available.join(', ') || 'none';
    throw new ValidationError(`plugin "${p}" has no command "${command}" (available: ${list})`, { field: 'command' });
  }

  const timeoutMs = commandTimeoutMs(plugin, command, deps.timeoutMs);
  const session = deps.session(p, timeoutMs);
  const url = session.controllerUrl;
  const context = { plugin: name, command, ...(url ? { controller_url: url } : {}), plugin_dir: plugin.dir, node_name: deps.nodeName };
  // Progress lines leave in order, each masked with the resource's buckets first (like any plugin text shown).
  let shown = Promise.resolve();
  const onStderrLine = progress
    ? (line: string) => {
        if (isEnvelopeLine(line)) return;
        shown = shown.then(async () => progress(deps.redact ? await deps.redact.mask(line, refFromArg(args[0])) : line)).catch(() => undefined);
      }
    : undefined;
  let result;
  try {
    result = await runPlugin(plugin, command, { args, stdin: JSON.stringify(context), env: session.env, timeoutMs, ...(signal ? { signal } : {}), ...(onStderrLine ? { onStderrLine } : {}), ...(deps.observe ? { observe: deps.observe } : {}) });
    await shown;
  } catch (err) {
    if (err instanceof PluginRunError) throw new VooduError(`invoke plugin: ${err.message}`, { cause: err });
    throw err;
  } finally {
    session.close();
  }
  // Plugin text in an error is masked with the buckets of the resource the call is about (redact.ts), before any truncation.
  const masked = (text: string) => (deps.redact ? deps.redact.mask(text, refFromArg(args[0])) : Promise.resolve(text));
  if (result.exitCode !== 0) {
    const shown = deps.redact ? await deps.redact.result(result, refFromArg(args[0])) : result;
    throw new ValidationError(`plugin "${p}" ${command} exited ${result.exitCode}: ${errorDetail(shown)}`);
  }

  const env = result.envelope;
  if (!env) return { message: result.stdout.replace(/\r?\n$/, ''), applied: [] };
  if (env.status !== 'ok') throw new ValidationError(`plugin "${p}" ${command}: ${env.error?.trim() ? await masked(env.error.trim()) : `status "${env.status}"`}`);
  const data = env.data ?? {};
  const where = `plugin "${p}" ${command}`;
  if (!isObject(data)) throw new ValidationError(`${where}: data must be {"message": "…", "actions": [...]}`);
  if (data.message !== undefined && data.message !== null && typeof data.message !== 'string') throw new ValidationError(`${where}: data.message must be a string`);
  const actions = checkActionList(deps.hooks, data.actions, where).map((a) =>
    // `?restart=false` holds back every fan-out of this call.
    !restart && (a.type === 'config_set' || a.type === 'config_unset') ? { ...a, skip_restart: true } : a,
  );

  const source = `plugin:${p}`;
  await runEach(deps.hooks, actions, { source, dryRun: true }, 400);
  const answer: DispatchAnswer = { message: typeof data.message === 'string' ? data.message : '', applied: [] };
  for (const r of await runEach(deps.hooks, actions, { source, dryRun: false }, 500)) {
    if (r.applied) answer.applied.push(r.applied);
    if (r.client?.type === 'exec_local') (answer.exec_local ??= []).push(r.client);
    if (r.client?.type === 'fetch_file') (answer.fetch_file ??= []).push(r.client);
  }
  return answer;
}

/** Actions in emit order; a failure names the action and leaves the earlier ones done. */
async function runEach(hooks: Hooks, actions: Action[], ctx: ActionContext, status: 400 | 500) {
  const results = [];
  for (const [i, action] of actions.entries()) {
    try {
      results.push((await hooks.onAction.get(action.type)!.promise(action, ctx)) ?? {});
    } catch (err) {
      const msg = `${ctx.dryRun ? 'check' : 'apply'} action ${i} (${action.type}): ${messageOf(err)}`;
      throw err instanceof ValidationError || status === 400 ? new ValidationError(msg, { cause: err }) : new VooduError(msg, { cause: err });
    }
  }
  return results;
}
