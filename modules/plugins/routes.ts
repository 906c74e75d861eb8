/**
 * The plugin endpoints besides install/remove (docs/api.md): the list, dispatch, the legacy `/plugins/exec`, and the file
 * download the CLI's `fetch_file` uses. Downloads are confined to the
 * plugin's own directory and `$VOODU_ROOT`, symlinks resolved first.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { type Hooks } from '../../kernel/index.js';
import { NotFoundError, ValidationError, VooduError } from '../../lib/errors.js';
import type { Api } from '../api/contract.js';
import { commandTimeoutMs, dispatch, findPlugin, parseArgs, type DispatchDeps } from './dispatch.js';
import { isInside, loadAll, loadByName } from './load.js';
import { PluginRunError, errorDetail, runPlugin } from './run.js';
import { refFromArg } from './redact.js';
import { queryFlag } from '../../lib/query-flag.js';

export interface RouteDeps extends DispatchDeps {
  hooks: Hooks;
  /** `$VOODU_ROOT`: downloads may come from under it. */
  vooduRoot: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `GET /plugins`: each plugin's manifest plus where it was installed from, and the load errors. */
export async function listPlugins(root: string): Promise<{ plugins: Record<string, unknown>[]; errors: string[] }> {
  const { plugins, errors } = await loadAll(root);
  return { plugins: plugins.map((p) => ({ ...p.manifest, ...(p.source ? { source: p.source } : {}) })), errors };
}

export function registerPluginRoutes(api: Api, deps: RouteDeps): void {
  api.route('GET', '/plugins', () => listPlugins(deps.root));

  // A plugin's run may re-enter its own commands; a pod may reach the plugin that produced its resource, about its own scope.
  const canonical = (name: string | undefined) => loadByName(deps.root, name ?? '').then((p) => p.manifest.name, () => undefined);
  api.route(
    'POST',
    '/plugin/:name/:command',
    (req) => dispatch(deps, req.params.name ?? '', req.params.command ?? '', req.body, queryFlag(req.query, 'restart', true), req.signal, (line) => req.progress(line)),
    {
      plugin: async (req, grant) => (await canonical(req.params.name)) === grant.plugin,
      pod: async (req, grant) => {
        if (!grant.plugin || (await canonical(req.params.name)) !== grant.plugin) return false;
        const first = parseArgs(await req.body())[0] ?? '';
        const slash = first.indexOf('/');
        return slash > 0 && first.slice(0, slash) === grant.scope && first.length > slash + 1;
      },
    },
  );

  // Legacy: `{args: [plugin, command, ...], env}`; answers the plugin's data, or its stdout for plain text.
  api.route('POST', '/plugins/exec', async (req) => {
    const body = isObject(req.body) ? req.body : {};
    const all = parseArgs({ args: body.args });
    if (all.length < 2) throw new ValidationError('body.args: need at least <plugin> <command>', { field: 'body.args' });
    const env: Record<string, string> = {};
    if (body.env !== undefined) {
      if (!isObject(body.env)) throw new ValidationError('body.env: must be an object of strings', { field: 'body.env' });
      for (const [k, v] of Object.entries(body.env)) {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) || typeof v !== 'string') throw new ValidationError(`body.env.${k}: must be NAME: "string"`, { field: `body.env.${k}` });
        env[k] = v;
      }
    }
    const [name, command, ...args] = all as [string, string, ...string[]];
    const plugin = await findPlugin(deps.root, name).catch(() => {
      throw new NotFoundError(`plugin "${name}" not installed`);
    });
    if (!plugin.commands.has(command)) throw new NotFoundError(`plugin "${name}": command "${command}" not found`);
    let result;
    try {
      const timeoutMs = commandTimeoutMs(plugin, command, deps.timeoutMs);
      const session = deps.session(plugin.manifest.name, timeoutMs);
      result = await runPlugin(plugin, command, { args, env: { ...session.env, ...env }, timeoutMs, signal: req.signal }).finally(() => session.close());
    } catch (err) {
      if (err instanceof PluginRunError) throw new VooduError(`invoke plugin: ${err.message}`, { cause: err });
      throw err;
    }
    if (result.exitCode !== 0) {
      // Masked with the buckets of `<scope>/<name>` in its first arg, as dispatch does (redact.ts); a 500 is logged too.
      const shown = deps.redact ? await deps.redact.result(result, refFromArg(args[0])) : result;
      throw new VooduError(`plugin "${name}" ${command} exited ${result.exitCode}: ${errorDetail(shown)}`);
    }
    if (!result.envelope) return { stdout: result.stdout };
    if (result.envelope.status !== 'ok') {
      const error = result.envelope.error !== undefined && deps.redact ? await deps.redact.mask(result.envelope.error, refFromArg(args[0])) : result.envelope.error;
      throw new ValidationError(`plugin "${name}" ${command}: ${error ?? result.envelope.status}`);
    }
    return result.envelope.data;
  });

  // fetch_file: the CLI downloads the `remote_path` a command of this plugin handed back.
  api.raw('GET', '/plugin/:name/file', async (req, { res }) => {
    const plugin = await findPlugin(deps.root, req.params.name ?? '');
    const path = req.query.path;
    if (!path || !isAbsolute(path)) throw new ValidationError('query.path: required, the absolute remote_path of a fetch_file action', { field: 'query.path' });
    const real = await realpath(path).catch(() => {
      throw new NotFoundError(`${path}: no such file`);
    });
    const roots = await Promise.all([plugin.dir, deps.vooduRoot].map((r) => realpath(r).catch(() => r)));
    if (!roots.some((r) => isInside(r, real))) {
      throw new ValidationError(`query.path: ${path} is outside the plugin's directory and $VOODU_ROOT; only files there can be fetched`, { field: 'query.path' });
    }
    const st = await stat(real);
    if (!st.isFile()) throw new ValidationError(`query.path: ${path} is not a regular file`, { field: 'query.path' });
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(st.size) });
    await new Promise<void>((resolve, reject) => {
      const stream = createReadStream(real);
      stream.once('error', reject);
      res.once('close', resolve);
      stream.pipe(res);
      stream.once('end', resolve);
    });
  });
}
