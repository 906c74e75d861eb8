/**
 * Finding the plugin that owns a block kind, installing it first when
 * needed: not installed, a pinned version other than the installed one, or
 * `latest` (re-resolved on every apply). A kind nobody installed and no
 * `plugin {}` block or `VOODU_PLUGIN_DEFAULT_REPO_<KIND>` asks about comes
 * from the copy the project ships (bundled.ts), offline; otherwise the repo
 * comes from `plugin { repo }`, then `VOODU_PLUGIN_DEFAULT_REPO_<KIND>`,
 * then `<default owner>/voodu-<kind>`. One install per kind per apply,
 * however many blocks use it.
 */
import { type Logger } from '../../kernel/index.js';
import { ValidationError, messageOf } from '../../lib/errors.js';
import type { BundledPlugins } from './bundled.js';
import type { LoadedPlugin, PluginInstaller } from './contract.js';
import { findInstalled } from './load.js';

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
  /** The plugins the project ships; absent when JIT install or bundled plugins are off. */
  bundled?: BundledPlugins;
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

/** The operator's `VOODU_PLUGIN_DEFAULT_REPO_<KIND>`, when set. */
function envRepo(env: NodeJS.ProcessEnv, kind: string): string | undefined {
  return env[`VOODU_PLUGIN_DEFAULT_REPO_${kind.toUpperCase().replace(/-/g, '_')}`]?.trim() || undefined;
}

export function defaultRepo(deps: Pick<JitDeps, 'env' | 'defaultOwner'>, kind: string): string {
  return envRepo(deps.env, kind) ?? `${deps.defaultOwner}/voodu-${kind}`;
}

const perBatch = new WeakMap<object, Map<string, Promise<LoadedPlugin>>>();

/**
 * The plugin for block `kind`, installed or re-installed as the pin asks.
 * `report` is the apply's report: installs are listed under `plugin_installs`,
 * and it keys the one-install-per-kind memo.
 */
export function pluginForBlock(deps: JitDeps, kind: string, pin: Pin, report: Record<string, unknown>, progress?: (line: string) => void): Promise<LoadedPlugin> {
  let memo = perBatch.get(report);
  if (!memo) perBatch.set(report, (memo = new Map()));
  const key = `${kind}@${pin.version ?? ''}@${pin.repo ?? ''}`;
  let p = memo.get(key);
  if (!p) memo.set(key, (p = resolve(deps, kind, pin, report, progress)));
  return p;
}

/** `progress` gets the install's lines, each prefixed with the plugin it is about. */
async function resolve(deps: JitDeps, kind: string, pin: Pin, report: Record<string, unknown>, progress?: (line: string) => void): Promise<LoadedPlugin> {
  const latest = pin.version === 'latest';
  const current = await findInstalled(deps.root, kind);
  const needs = !current || latest || (pin.version !== undefined && current.manifest.version !== pin.version.replace(/^v/, ''));
  if (!needs) return current!;
  // Nothing asked for a source: the project's own copy, when it ships one, needs no network.
  if (!current && deps.bundled && pin.repo === undefined && pin.version === undefined && !envRepo(deps.env, kind)) {
    const copy = await deps.bundled.find(kind);
    if (copy) {
      // Checked before the install: a copy that cannot expand (caddy) must not be installed by a block.
      if (!copy.commands.has('expand')) {
        throw new ValidationError(`kind "${kind}": the bundled plugin "${copy.manifest.name}" (${copy.dir}) has no expand command, so it is not a macro plugin`, { field: 'kind' });
      }
      const got = await deps.bundled.install(copy, kind, progress);
      return checked(kind, got.plugin, copy.dir, got.installed ? report : undefined, 'bundled');
    }
  }
  if (!deps.installer) {
    throw new ValidationError(
      `unknown kind "${kind}": no module expands it, no installed plugin owns it, and JIT install is not configured (try \`voodu plugins:install ${defaultRepo(deps, kind)}\`)`,
      { field: 'kind' },
    );
  }
  const source = pin.repo ?? defaultRepo(deps, kind);
  const version = latest ? undefined : pin.version;
  deps.log.info(`kind "${kind}": installing plugin from ${source}${version ? `@${version}` : ''}${current ? ` (installed: ${current.manifest.version ?? 'unversioned'})` : ''}`);
  progress?.(`plugin ${kind}: installing from ${source}${version ? `@${version}` : ''}`);
  let result;
  try {
    result = await deps.installer.install(source, { ...(version ? { version } : {}), ...(progress && { onProgress: (line: string) => progress(`plugin ${kind}: ${line}`) }) });
  } catch (err) {
    const what = current ? `kind "${kind}": re-installing its plugin` : `unknown kind "${kind}": no installed plugin owns it${await notBundled(deps)}, and installing one`;
    const fix = current || pin.repo ? '' : `; set plugin { repo = "owner/repo" } in the block, or install one with \`voodu plugins:install <owner/repo|/path>\``;
    throw new ValidationError(`${what} from ${source} failed: ${messageOf(err)}${fix}`, { field: 'kind', cause: err });
  }
  const plugin = await findInstalled(deps.root, kind);
  if (!plugin || (plugin.manifest.name !== kind && !plugin.manifest.aliases.includes(kind))) {
    throw new ValidationError(`kind "${kind}": ${source} installed plugin "${result.name}", whose name does not match the block type; set plugin { repo } to the right repository`, { field: 'kind' });
  }
  if (version && plugin.manifest.version !== version.replace(/^v/, '')) {
    throw new ValidationError(
      `kind "${kind}": asked for version ${version} but ${source} installed ${plugin.manifest.version ?? 'an unversioned plugin'} (release tag and plugin.yml drifted)`,
      { field: 'plugin.version' },
    );
  }
  return checked(kind, plugin, source, report, result.source);
}

/** A just-installed plugin must expand; the install is reported under `plugin_installs` as coming from `recorded`. */
function checked(kind: string, plugin: LoadedPlugin, from: string, report: Record<string, unknown> | undefined, recorded: string): LoadedPlugin {
  if (!plugin.commands.has('expand')) {
    throw new ValidationError(`kind "${kind}": plugin "${plugin.manifest.name}" from ${from} has no expand command, so it is not a macro plugin`, { field: 'kind' });
  }
  if (report) {
    const installs = (report.plugin_installs ??= []) as PluginInstallRecord[];
    installs.push({ plugin: plugin.manifest.name, ...(plugin.manifest.version ? { version: plugin.manifest.version } : {}), source: recorded });
  }
  return plugin;
}

/** ", and the project ships none (it ships: caddy, redis)" — why the bundled copy was no help. */
async function notBundled(deps: JitDeps): Promise<string> {
  if (!deps.bundled) return '';
  const names = await deps.bundled.names().catch(() => []);
  return `, the project ships none by that name (${names.length ? `it ships ${names.join(', ')}` : `none in ${deps.bundled.dir}`})`;
}
