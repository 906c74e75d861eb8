/**
 * The plugin installer: a local
 * directory or a GitHub release lands in a staging dir under the plugins
 * root, is validated there, and replaces `<pluginsDir>/<name>` by rename.
 * The `install` hook then runs in place; if it fails, the previous copy is
 * put back. Installs and removals run one at a time.
 */
import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, mkdtemp, readdir, realpath, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import semver from 'semver';
import { type Logger } from '../../../kernel/index.js';
import { NotFoundError, ValidationError, messageOf } from '../../../lib/errors.js';
import {
  PLUGIN_NAME_PATTERN,
  PLUGIN_SOURCE_FILE,
  type InstallOptions,
  type InstallResult,
  type LoadedPlugin,
  type PluginInstaller,
} from '../contract.js';
import { copyPluginDir } from './copy.js';
import { PluginInstallError } from './errors.js';
import { extractSafely, isWithin } from './extract.js';
import { fetchRelease } from './fetch-release.js';
import { HOOK_TIMEOUT_MS, HookFailure, hookExists, runHook } from './hook.js';
import { formatSource, parseSource } from './source.js';

export { parseSource, formatSource, type PluginSource } from './source.js';
export { parseVersionRequest, pickRelease, pickVersion } from './resolve.js';
export { PluginInstallError } from './errors.js';

export interface InstallerOptions {
  pluginsDir: string;
  /** `$VOODU_ROOT/cache/plugins`. */
  cacheDir: string;
  /** Default `https://api.github.com`. */
  githubApi?: string;
  /** Default `GITHUB_TOKEN` from the environment. Sent to the API origin only; never logged. */
  token?: string;
  loadPluginDir: (dir: string) => Promise<LoadedPlugin>;
  log: Logger;
  hookTimeoutMs?: number;
  /** Retries after the first attempt for API calls and downloads (5xx, network). Default 3. */
  retries?: number;
  /** Cap of one retry's backoff. Default 2 s. */
  backoffMs?: number;
  apiTimeoutMs?: number;
  downloadTimeoutMs?: number;
  maxDownloadBytes?: number;
}

const MiB = 1024 * 1024;

/** What `.voodu-source.json` holds: read back by the loader (`source`) and `plugins:update`. */
interface InstallRecord {
  source: string;
  version?: string;
  requested?: string;
  sha256?: string;
  installed_at: string;
}

export function createInstaller(opts: InstallerOptions): PluginInstaller {
  const api = (opts.githubApi ?? 'https://api.github.com').replace(/\/+$/, '');
  const token = opts.token ?? process.env.GITHUB_TOKEN ?? undefined;
  const log = opts.log;
  let queue: Promise<unknown> = Promise.resolve();
  // One install or removal at a time: two would race for the same directory names.
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => undefined);
    return run;
  };

  async function install(rawSource: string, options: InstallOptions = {}): Promise<InstallResult> {
    const source = parseSource(rawSource);
    const say = (line: string) => options.onProgress?.(line);
    let wanted = options.version?.trim() || undefined;
    if (source.type === 'github' && source.version) {
      if (wanted && wanted !== source.version) {
        throw new ValidationError(`version: the source names @${source.version} but version is ${JSON.stringify(wanted)}; give one of them`, { field: 'version' });
      }
      wanted = source.version;
    }
    return serial(async () => {
      await mkdir(opts.pluginsDir, { recursive: true, mode: 0o755 });
      await sweepLeftovers();
      const staging = await mkdtemp(join(opts.pluginsDir, '.install-'));
      try {
        let version: string | undefined;
        let sha256: string | undefined;
        let cached = false;
        if (source.type === 'local') {
          if (wanted) say(`version ${wanted} ignored: a local path installs what is there`);
          await refuseOverlap(source.path);
          say(`copying ${source.path}`);
          await copyPluginDir(source.path, staging);
        } else {
          const fetched = await fetchRelease(source.owner, source.repo, wanted, {
            api,
            ...(token ? { token } : {}),
            retries: opts.retries ?? 3,
            backoffMs: opts.backoffMs ?? 2000,
            timeoutMs: opts.apiTimeoutMs ?? 30_000,
            downloadTimeoutMs: opts.downloadTimeoutMs ?? 10 * 60_000,
            maxDownloadBytes: opts.maxDownloadBytes ?? 256 * MiB,
            cacheDir: opts.cacheDir,
            onProgress: say,
            ...(options.signal ? { signal: options.signal } : {}),
          });
          ({ version, sha256, cached } = fetched);
          say(`extracting ${source.owner}/${source.repo} ${version}`);
          await extractSafely(fetched.path, staging, `${source.owner}/${source.repo} ${version}`, {
            maxEntries: 20_000,
            maxUnpackedBytes: 4 * (opts.maxDownloadBytes ?? 256 * MiB),
          });
        }
        await makeExecutable(staging);
        const loaded = await validateStaged(staging, source.type === 'github' ? version : undefined, wanted);
        const name = loaded.manifest.name;
        version = loaded.manifest.version ?? version;
        const record: InstallRecord = {
          source: formatSource(source),
          ...(version ? { version } : {}),
          ...(wanted && source.type === 'github' ? { requested: wanted } : {}),
          ...(sha256 ? { sha256 } : {}),
          installed_at: new Date().toISOString(),
        };
        await writeFile(join(staging, PLUGIN_SOURCE_FILE), JSON.stringify(record, null, 2) + '\n');
        const dir = await swapIn(staging, name, loaded.manifest.env, say);
        say(`installed ${name}${version ? `@${version}` : ''}`);
        const final = await opts.loadPluginDir(dir).catch(() => loaded);
        return { name, ...(version ? { version } : {}), source: record.source, dir, cached, manifest: final.manifest };
      } finally {
        await rm(staging, { recursive: true, force: true });
      }
    });
  }

  /** Installing from the plugins root itself (or a dir inside a staging area) would copy into itself. */
  async function refuseOverlap(path: string) {
    const [src, root] = await Promise.all([realpath(path).catch(() => path), realpath(opts.pluginsDir)]);
    if (isWithin(src, root)) {
      throw new ValidationError(`source: ${path} contains the plugins directory ${opts.pluginsDir}; give the directory of one plugin`, { field: 'source' });
    }
  }

  async function validateStaged(staging: string, releaseVersion: string | undefined, wanted: string | undefined): Promise<LoadedPlugin> {
    let loaded: LoadedPlugin;
    try {
      loaded = await opts.loadPluginDir(staging);
    } catch (err) {
      throw new ValidationError(`source: validate plugin: ${messageOf(err)}`, { field: 'source' });
    }
    const name = loaded.manifest.name;
    if (!name || name.startsWith('.install-') || !PLUGIN_NAME_PATTERN.test(name)) {
      throw new ValidationError('source: plugin has no name (missing plugin.yml or commands/name); add plugin.yml with `name: <plugin>`', { field: 'source' });
    }
    if (releaseVersion) {
      const declared = loaded.manifest.version;
      if (!declared && wanted) {
        throw new ValidationError(`version: ${wanted} was asked but the plugin's plugin.yml declares no version; add \`version: ${releaseVersion}\` to plugin.yml`, { field: 'version' });
      }
      // A tag and plugin.yml that disagree are a publishing mistake: JIT pins compare against plugin.yml.
      if (declared && !(semver.valid(declared) && semver.eq(declared, releaseVersion))) {
        throw new ValidationError(
          `version: release ${releaseVersion} contains a plugin.yml with version ${JSON.stringify(declared)}; the tag and plugin.yml drifted — publish a release whose plugin.yml says ${releaseVersion}`,
          { field: 'version' },
        );
      }
    }
    return loaded;
  }

  /**
   * Old copy aside, staging in, hook, then drop the old copy — or put it
   * back. `<pluginsDir>/<name>` is only ever a complete directory.
   */
  async function swapIn(staging: string, name: string, env: Record<string, string>, say: (line: string) => void): Promise<string> {
    const target = join(opts.pluginsDir, name);
    const aside = join(opts.pluginsDir, `.old-${name}-${randomBytes(4).toString('hex')}`);
    const hadOld = await lstat(target).then(() => true, () => false);
    if (hadOld) await rename(target, aside);
    try {
      await rename(staging, target);
    } catch (err) {
      if (hadOld) await rename(aside, target);
      throw err;
    }
    if (await hookExists(target, 'install')) {
      say(`running install hook of ${name}`);
      try {
        await runHook(target, 'install', name, env, log.child('hook'), opts.hookTimeoutMs ?? HOOK_TIMEOUT_MS, say);
      } catch (err) {
        await rm(target, { recursive: true, force: true });
        if (hadOld) await rename(aside, target);
        const kept = hadOld ? ' (the previous version is back in place)' : '';
        throw new PluginInstallError(`plugin "${name}": install hook: ${err instanceof HookFailure ? err.message : messageOf(err)}${kept}`);
      }
    }
    if (hadOld) await rm(aside, { recursive: true, force: true });
    return target;
  }

  /** A crash mid-swap leaves `.old-<name>-*` (restore it if `<name>` is gone) and `.install-*` (drop it). */
  async function sweepLeftovers() {
    for (const entry of await readdir(opts.pluginsDir)) {
      const path = join(opts.pluginsDir, entry);
      if (entry.startsWith('.install-') || entry.startsWith('.removing-')) {
        await rm(path, { recursive: true, force: true });
        continue;
      }
      const old = /^\.old-(.+)-[0-9a-f]{8}$/.exec(entry);
      if (!old) continue;
      const target = join(opts.pluginsDir, old[1]!);
      if (await lstat(target).then(() => true, () => false)) await rm(path, { recursive: true, force: true });
      else {
        log.warn(`restoring plugin ${old[1]} left aside by an interrupted install`);
        await rename(path, target);
      }
    }
  }

  async function remove(name: string): Promise<void> {
    if (typeof name !== 'string' || !PLUGIN_NAME_PATTERN.test(name)) {
      throw new ValidationError(`name: ${JSON.stringify(name)} is not a plugin name (letters, digits, '-' and '_', at most 63)`, { field: 'name' });
    }
    return serial(async () => {
      const dir = join(opts.pluginsDir, name);
      const st = await lstat(dir).catch(() => undefined);
      if (!st) throw new NotFoundError(`plugin "${name}" is not installed`);
      if (!st.isDirectory()) throw new ValidationError(`name: ${dir} is not a plugin directory; remove it by hand`, { field: 'name' });
      if (await hookExists(dir, 'uninstall')) {
        // Best effort: a broken uninstall hook must not make a plugin impossible to remove.
        try {
          const env = (await opts.loadPluginDir(dir).catch(() => undefined))?.manifest.env ?? {};
          await runHook(dir, 'uninstall', name, env, log.child('hook'), opts.hookTimeoutMs ?? HOOK_TIMEOUT_MS);
        } catch (err) {
          log.warn(`plugin "${name}": uninstall hook failed, removing anyway: ${messageOf(err)}`);
        }
      }
      const gone = join(opts.pluginsDir, `.removing-${name}-${randomBytes(4).toString('hex')}`);
      await rename(dir, gone);
      await rm(gone, { recursive: true, force: true });
    });
  }

  return { install, remove };
}

/** chmod 0755 what the protocol executes: `commands/*`, `bin/*`, `install`, `uninstall`. */
async function makeExecutable(dir: string): Promise<void> {
  const targets: string[] = [join(dir, 'install'), join(dir, 'uninstall')];
  for (const sub of ['commands', 'bin']) {
    const names = await readdir(join(dir, sub)).catch(() => [] as string[]);
    targets.push(...names.map((n) => join(dir, sub, n)));
  }
  for (const path of targets) {
    const st = await lstat(path).catch(() => undefined);
    if (st?.isFile()) await chmod(path, 0o755);
  }
}

