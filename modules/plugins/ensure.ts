/**
 * `plugins.ensure(name)`: a module that drives a plugin (the ingress module
 * and caddy) makes sure it is there first. Installed: used as it is, even
 * when the project ships a newer copy (`voodu plugins update` moves it on).
 * Not installed: the bundled copy goes in. Never the network — a module's
 * reconcile must not depend on GitHub being reachable.
 */
import { NotFoundError } from '../../lib/errors.js';
import type { BundledPlugins } from './bundled.js';
import type { EnsureOptions, EnsuredPlugin, LoadedPlugin } from './contract.js';
import type { PluginInstallRecord } from './jit.js';
import { findInstalled } from './load.js';

const describe = (p: LoadedPlugin, installedFrom?: 'bundled'): EnsuredPlugin => ({
  name: p.manifest.name,
  ...(p.manifest.version ? { version: p.manifest.version } : {}),
  ...(installedFrom ? { installedFrom } : {}),
});

export async function ensurePlugin(root: string, bundled: BundledPlugins | undefined, nameOrAlias: string, opts: EnsureOptions = {}): Promise<EnsuredPlugin> {
  const current = await findInstalled(root, nameOrAlias);
  if (current) return describe(current);
  const fix = `install it with \`voodu plugins:install <owner/repo|/path>\``;
  if (!bundled) throw new NotFoundError(`plugin "${nameOrAlias}" is not installed in ${root} and bundled plugins are off; ${fix}`);
  const copy = await bundled.find(nameOrAlias);
  if (!copy) {
    const names = await bundled.names().catch(() => []);
    throw new NotFoundError(
      `plugin "${nameOrAlias}" is not installed in ${root}, and the project ships no plugin by that name (${names.length ? `it ships ${names.join(', ')}` : `${bundled.dir} holds none`}); ${fix}`,
    );
  }
  const got = await bundled.install(copy, nameOrAlias, opts.progress);
  if (got.installed && opts.report) {
    // Same record as a macro block's install (jit.ts), so the apply answer lists both alike.
    const installs = (opts.report.plugin_installs ??= []) as PluginInstallRecord[];
    installs.push({ plugin: got.plugin.manifest.name, ...(got.plugin.manifest.version ? { version: got.plugin.manifest.version } : {}), source: 'bundled' });
  }
  return describe(got.plugin, got.installed ? 'bundled' : undefined);
}
