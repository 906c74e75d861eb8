/**
 * Finding the plugin that owns a block kind, installing it first when
 * needed (spec plugins-and-cli.md §2.5): not installed, a pinned version
 * other than the installed one, or `latest` (re-resolved on every apply).
 * The repo comes from `plugin { repo }`, then
 * `VOODU_PLUGIN_DEFAULT_REPO_<KIND>`, then `<default owner>/voodu-<kind>`.
 * One install per kind per apply, however many blocks use it.
 */
import { NotFoundError, ValidationError, messageOf, type Logger } from '../../kernel/index.js';
import type { LoadedPlugin, PluginInstaller } from './contract.js';
import { loadByName } from './load.js';

export interface Pin {
  version?: string;
  repo?: string;
}

export interface PluginInstallRecord {
  plugin: string;
  version?: string;
  source: string;
}

export interface JitDeps {
  root: string;
  /** Absent when JIT install is not configured. */
  installer?: PluginInstaller;
  defaultOwner: string;
  env: NodeJS.ProcessEnv;
  log: Logger;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Takes the reserved `plugin { version, repo }` block out of a block's spec. */
export function extractPin(spec: Record<string, unknown>, where: string): Pin {
  const raw = spec.plugin;
  delete spec.plugin;
  if (raw === undefined) return {};
  if (!isObject(raw)) throw new ValidationError(`${where}: plugin: must be a block \`plugin { version = "1.2.3", repo = "owner/repo" }\``, { field: 'plugin' });
  const pin: Pin = {};
  for (const key of Object.keys(raw)) {
    if (key === '_labels') continue;
    if (key !== 'version' && key !== 'repo') throw new ValidationError(`${where}: plugin.${key}: unknown; the plugin block takes version and repo`, { field: `plugin.${key}` });
    const v = raw[key];
    if (typeof v !== 'string') throw new ValidationError(`${where}: plugin.${key}: must be a string`, { field: `plugin.${key}` });
    if (v.trim()) pin[key] = v.trim();
  }
  if (pin.repo !== undefined && !/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(pin.repo) && !pin.repo.startsWith('/')) {
    throw new ValidationError(`${where}: plugin.repo: "${pin.repo}" must be owner/repo (a GitHub repository) or an absolute local path`, { field: 'plugin.repo' });
  }
  return pin;
}

export function defaultRepo(deps: Pick<JitDeps, 'env' | 'defaultOwner'>, kind: string): string {
  const envName = `VOODU_PLUGIN_DEFAULT_REPO_${kind.toUpperCase().replace(/-/g, '_')}`;
  return deps.env[envName]?.trim() || `${deps.defaultOwner}/voodu-${kind}`;
}

async function installed(root: string, kind: string): Promise<LoadedPlugin | undefined> {
  try {
    return await loadByName(root, kind);
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}

const perBatch = new WeakMap<object, Map<string, Promise<LoadedPlugin>>>();

/**
 * The plugin for block `kind`, installed or re-installed as the pin asks.
 * `report` is the apply's report: installs are listed under `plugin_installs`,
 * and it keys the one-install-per-kind memo.
 */
export function pluginForBlock(deps: JitDeps, kind: string, pin: Pin, report: Record<string, unknown>): Promise<LoadedPlugin> {
  let memo = perBatch.get(report);
  if (!memo) perBatch.set(report, (memo = new Map()));
  const key = `${kind}@${pin.version ?? ''}@${pin.repo ?? ''}`;
  let p = memo.get(key);
  if (!p) memo.set(key, (p = resolve(deps, kind, pin, report)));
  return p;
}

async function resolve(deps: JitDeps, kind: string, pin: Pin, report: Record<string, unknown>): Promise<LoadedPlugin> {
  const latest = pin.version === 'latest';
  const current = await installed(deps.root, kind);
  const needs = !current || latest || (pin.version !== undefined && current.manifest.version !== pin.version.replace(/^v/, ''));
  if (!needs) return current!;
  if (!deps.installer) {
    throw new ValidationError(
      `unknown kind "${kind}": no module expands it, no installed plugin owns it, and JIT install is not configured (try \`voodu plugins:install ${defaultRepo(deps, kind)}\`)`,
      { field: 'kind' },
    );
  }
  const source = pin.repo ?? defaultRepo(deps, kind);
  const version = latest ? undefined : pin.version;
  deps.log.info(`kind "${kind}": installing plugin from ${source}${version ? `@${version}` : ''}${current ? ` (installed: ${current.manifest.version ?? 'unversioned'})` : ''}`);
  let result;
  try {
    result = await deps.installer.install(source, version ? { version } : {});
  } catch (err) {
    const what = current ? `kind "${kind}": re-installing its plugin` : `unknown kind "${kind}": no installed plugin owns it, and installing one`;
    throw new ValidationError(`${what} from ${source} failed: ${messageOf(err)}`, { field: 'kind', cause: err });
  }
  const plugin = await installed(deps.root, kind);
  if (!plugin || (plugin.manifest.name !== kind && !plugin.manifest.aliases.includes(kind))) {
    throw new ValidationError(`kind "${kind}": ${source} installed plugin "${result.name}", whose name does not match the block type; set plugin { repo } to the right repository`, { field: 'kind' });
  }
  if (!plugin.commands.has('expand')) {
    throw new ValidationError(`kind "${kind}": plugin "${plugin.manifest.name}" from ${source} has no expand command, so it is not a macro plugin`, { field: 'kind' });
  }
  if (version && plugin.manifest.version !== version.replace(/^v/, '')) {
    throw new ValidationError(
      `kind "${kind}": asked for version ${version} but ${source} installed ${plugin.manifest.version ?? 'an unversioned plugin'} (release tag and plugin.yml drifted)`,
      { field: 'plugin.version' },
    );
  }
  const installs = (report.plugin_installs ??= []) as PluginInstallRecord[];
  installs.push({ plugin: plugin.manifest.name, ...(plugin.manifest.version ? { version: plugin.manifest.version } : {}), source: result.source });
  return plugin;
}
