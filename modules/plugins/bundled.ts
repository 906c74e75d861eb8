/**
 * Plugins shipped with the project under `plugins/<name>/` (caddy, redis,
 * postgres): the first time something needs one that is not installed — a
 * macro block of its kind, the ingress module asking for caddy — the copy
 * on disk is installed through the installer's local-path install, so the
 * hook, the staging swap and the checks are the same as for any other
 * source, and no network is touched.
 */
import { readFileSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Logger } from '../../kernel/index.js';
import { ValidationError, messageOf } from '../../lib/errors.js';
import { PLUGIN_NAME_PATTERN, type LoadedPlugin, type PluginInstaller } from './contract.js';
import { findInstalled, loadPluginDir } from './load.js';

/**
 * The directory holding the project's package.json (`"name": "voodu"`),
 * found by walking up from this file: from source it is two levels up, from
 * the build (`dist/modules/plugins/`) three — and `plugins/` is never copied
 * into dist, so the checkout (or the installed package) is where it lives.
 * Synchronous: it runs once, when the module registers.
 */
export function projectRoot(from: string = fileURLToPath(import.meta.url)): string | undefined {
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    try {
      if ((JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown }).name === 'voodu') return dir;
    } catch {
      // no package.json here, or another project's broken one: keep walking
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/** `<project root>/plugins`, when the project root can be found and holds that directory. */
export function defaultBundledDir(from?: string): string | undefined {
  const root = projectRoot(from);
  if (!root) return undefined;
  const dir = join(root, 'plugins');
  return statSync(dir, { throwIfNoEntry: false })?.isDirectory() ? dir : undefined;
}

/** Every plugin directory under `dir` that loads; `broken` maps a directory name to its load error. */
async function scan(dir: string): Promise<{ plugins: LoadedPlugin[]; broken: Map<string, string> }> {
  const plugins: LoadedPlugin[] = [];
  const broken = new Map<string, string>();
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.name.startsWith('.') || !e.isDirectory()) continue;
    try {
      plugins.push(await loadPluginDir(join(dir, e.name)));
    } catch (err) {
      broken.set(e.name, messageOf(err));
    }
  }
  return { plugins, broken };
}

export interface BundledInstall {
  plugin: LoadedPlugin;
  /** True when this call installed it; false when it was (or became) installed meanwhile. */
  installed: boolean;
}

export interface BundledPlugins {
  /** The bundled directory, for messages. */
  dir: string;
  /** Names of the plugins the project ships (for messages). */
  names(): Promise<string[]>;
  /** The shipped copy whose name or alias is `nameOrAlias` (not installed by this); undefined when there is none. */
  find(nameOrAlias: string): Promise<LoadedPlugin | undefined>;
  /** Installs `copy` (from `find`) unless a plugin answering to `asked` is installed by now. */
  /** `progress` gets the install's lines (prefixed with the plugin) when this call is the one installing it. */
  install(copy: LoadedPlugin, asked: string, progress?: (line: string) => void): Promise<BundledInstall>;
}

export interface BundledDeps {
  /** Where the bundled plugins are: one directory per plugin. */
  dir: string;
  /** The plugins root installs land in. */
  root: string;
  installer: PluginInstaller;
  log: Logger;
}

export function bundledPlugins(deps: BundledDeps): BundledPlugins {
  // One install per plugin at a time: two ingresses, or two applies, asking at once share it.
  const inflight = new Map<string, Promise<BundledInstall>>();

  async function find(nameOrAlias: string): Promise<LoadedPlugin | undefined> {
    if (!PLUGIN_NAME_PATTERN.test(nameOrAlias)) return undefined;
    const { plugins, broken } = await scan(deps.dir);
    const found = plugins.find((p) => p.manifest.name === nameOrAlias) ?? plugins.find((p) => p.manifest.aliases.includes(nameOrAlias));
    if (found) return found;
    const why = broken.get(nameOrAlias);
    if (why) {
      throw new ValidationError(`plugin "${nameOrAlias}": the bundled copy in ${join(deps.dir, nameOrAlias)} does not load: ${why}; fix it, or install another copy with \`voodu plugins:install\``, { field: 'plugin' });
    }
    return undefined;
  }

  async function installFrom(bundled: LoadedPlugin, asked: string, progress?: (line: string) => void): Promise<LoadedPlugin> {
    const name = bundled.manifest.name;
    deps.log.info(`plugin "${name}": not installed; installing the bundled copy ${bundled.manifest.version ?? '(unversioned)'} from ${bundled.dir}`);
    progress?.(`plugin ${name}: not installed; installing the bundled copy ${bundled.manifest.version ?? '(unversioned)'}`);
    try {
      await deps.installer.install(bundled.dir, {
        onProgress: (line) => {
          deps.log.debug(`install bundled ${name}: ${line}`);
          progress?.(`plugin ${name}: ${line}`);
        },
      });
    } catch (err) {
      throw new ValidationError(
        `plugin "${name}": installing the bundled copy from ${bundled.dir} failed: ${messageOf(err)}; fix that copy, or install another with \`voodu plugins:install <owner/repo|/path>\``,
        { field: 'plugin', cause: err },
      );
    }
    const plugin = await findInstalled(deps.root, asked);
    if (!plugin) throw new ValidationError(`plugin "${name}": the bundled copy from ${bundled.dir} installed, but no installed plugin answers to "${asked}"`, { field: 'plugin' });
    return plugin;
  }

  return {
    dir: deps.dir,
    async names() {
      return (await scan(deps.dir)).plugins.map((p) => p.manifest.name);
    },
    find,
    async install(bundled, nameOrAlias, progress) {
      const key = bundled.manifest.name;
      // No await between the lookup and the set: a second caller always finds the first one's promise.
      const running = inflight.get(key);
      if (running) return { plugin: (await running).plugin, installed: false };
      const p = (async (): Promise<BundledInstall> => {
        const already = await findInstalled(deps.root, nameOrAlias);
        if (already) return { plugin: already, installed: false };
        return { plugin: await installFrom(bundled, nameOrAlias, progress), installed: true };
      })().finally(() => inflight.delete(key));
      inflight.set(key, p);
      return p;
    },
  };
}
