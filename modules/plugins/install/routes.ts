/**
 * `POST /plugins/install` and `DELETE /plugins/:name`. Bodies
 * are checked here; progress lines go to the controller log and, to a
 * client that asked for them (`Accept: application/x-ndjson`), as they come.
 */
import { type Logger } from '../../../kernel/index.js';
import { NotFoundError, ValidationError, messageOf } from '../../../lib/errors.js';
import type { Api } from '../../api/contract.js';
import { PLUGIN_NAME_PATTERN, type PluginInstaller } from '../contract.js';

export interface InstallRoutesOptions {
  /** The plugins as `GET /plugins` lists them; used for a did-you-mean when DELETE names an alias. */
  listPlugins: () => Promise<{ plugins: unknown[]; errors: string[] }>;
  log?: Logger;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function registerInstallRoutes(api: Api, installer: PluginInstaller, opts: InstallRoutesOptions): void {
  api.route('POST', '/plugins/install', async (req) => {
    const body = req.body ?? {};
    if (!isObject(body)) throw new ValidationError('body: must be a JSON object {"source": "owner/repo" | "/path", "version"?: "1.2.3"}', { field: 'body' });
    const { source, version } = body;
    if (typeof source !== 'string' || !source.trim()) {
      throw new ValidationError('source: required; give owner/repo[@version], https://github.com/owner/repo or an absolute path on the controller host', { field: 'source' });
    }
    if (version !== undefined && version !== null && typeof version !== 'string') {
      throw new ValidationError(`version: must be a string (latest, 1.2.3 or a range like ^1.2), got ${JSON.stringify(version)}`, { field: 'version' });
    }
    const result = await installer.install(source, {
      ...(typeof version === 'string' && version.trim() ? { version } : {}),
      onProgress: (line) => {
        opts.log?.info(`install ${source}: ${line}`);
        req.progress(line);
      },
    });
    return {
      ...(result.manifest ?? { name: result.name }),
      name: result.name,
      ...(result.version ? { version: result.version } : {}),
      source: result.source,
      cached: result.cached,
    };
  });

  api.route('DELETE', '/plugins/:name', async (req) => {
    const name = req.params.name ?? '';
    if (!PLUGIN_NAME_PATTERN.test(name)) {
      throw new ValidationError(`name: ${JSON.stringify(name)} is not a plugin name (letters, digits, '-' and '_', at most 63)`, { field: 'name' });
    }
    try {
      await installer.remove(name);
    } catch (err) {
      if (err instanceof NotFoundError) throw new NotFoundError(`plugin "${name}" not installed${await aliasHint(name)}`);
      throw err;
    }
    return undefined;
  });

  async function aliasHint(name: string): Promise<string> {
    try {
      const { plugins } = await opts.listPlugins();
      for (const p of plugins) {
        const m = (isObject(p) && isObject(p.manifest) ? p.manifest : p) as { name?: unknown; aliases?: unknown };
        if (Array.isArray(m.aliases) && m.aliases.includes(name) && typeof m.name === 'string') return ` ("${name}" is an alias of "${m.name}"; remove ${m.name})`;
      }
    } catch (err) {
      opts.log?.debug(`alias lookup failed: ${messageOf(err)}`);
    }
    return '';
  }
}
