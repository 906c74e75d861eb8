/**
 * The `plugins` module's public face: out-of-process plugins on disk under
 * `$VOODU_ROOT/plugins/<name>/`, loaded from `plugin.yml` + `bin/` +
 * `commands/`, run as subprocesses speaking a JSON envelope on stdout, and
 * installed from a local path or a GitHub release. Types only.
 */

/**
 * File the installer writes into an installed plugin's directory to record
 * where it came from (`{"source":"owner/repo","version":"1.2.3"}`); the
 * loader reads `source` from it into `LoadedPlugin.source`. Hidden, so it is
 * never discovered as a command.
 */
export const PLUGIN_SOURCE_FILE = '.voodu-source.json';

/** Plugin names and aliases: also directory names and block kinds, so no path characters. */
export const PLUGIN_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

/** What `loadAll(root)` answers: every plugin that loaded, and `"<dir>: <error>"` for those that did not. */
export interface LoadAllResult {
  plugins: LoadedPlugin[];
  errors: string[];
}

/** `plugin.yml` after validation. */
export interface PluginManifest {
  name: string;
  /** Semver without a leading `v`. */
  version?: string;
  description?: string;
  homepage?: string;
  /** Exact, case-sensitive alternate names (`pg` for postgres). */
  aliases: string[];
  /** Relative path of one binary serving every declared command (argv[1] = command). */
  entrypoint?: string;
  /** `timeoutS`: plugin.yml `timeout`, for a command that may outrun the controller's default (a promote, a backup). */
  commands: { name: string; help?: string; timeoutS?: number }[];
  env: Record<string, string>;
  routes?: { prefix: string; port?: number; port_env?: string };
}

/** One plugin directory, loaded. */
export interface LoadedPlugin {
  /** Absolute plugin directory. */
  dir: string;
  manifest: PluginManifest;
  /** Command name → absolute executable path (entrypoint mode: every command → the entrypoint). */
  commands: Map<string, string>;
  /** Where it was installed from, when the installer recorded it (`owner/repo`, a path). */
  source?: string;
}

/** `{status, data, error}` on a plugin's stdout. */
export interface PluginEnvelope {
  status: 'ok' | 'error' | string;
  data?: unknown;
  error?: string;
}

export interface InstallOptions {
  /** `latest` (default), an exact version, or a semver range. Ignored for local paths. */
  version?: string;
  /** One human line per step (resolving, downloading 42%, verifying, extracting, install hook). */
  onProgress?(line: string): void;
  signal?: AbortSignal;
}

export interface InstallResult {
  name: string;
  version?: string;
  /** As given, normalised (`owner/repo`, an absolute path). */
  source: string;
  dir: string;
  /** The tarball came from the download cache, not the network. */
  cached: boolean;
  /** plugin.yml of what landed (the install answer and `plugin_installs` report it). */
  manifest?: PluginManifest;
}

/** Installs and removes plugin directories atomically. */
export interface PluginInstaller {
  install(source: string, opts?: InstallOptions): Promise<InstallResult>;
  /** Runs the `uninstall` hook best-effort, then removes the directory. NotFoundError when absent. */
  remove(name: string): Promise<void>;
}

/** Options of one `plugins.run` call. */
export interface PluginCallOptions {
  args?: string[];
  /** Per-call env: wins over the controller's, the standard plugin env and plugin.yml `env`. */
  env?: Record<string, string>;
  stdin?: string;
  /** Default: the plugins module's timeout (60 s). */
  timeoutMs?: number;
  /**
   * The resource the call is about: the values of its config buckets are
   * replaced by `***` in the result's stderr, envelope error and non-envelope
   * stdout — the text a caller copies into errors and logs.
   */
  redactFor?: { scope: string; name: string };
}

export interface PluginCallResult {
  exitCode: number;
  /** Present when stdout is a `{status, data, error}` envelope. */
  envelope?: PluginEnvelope;
  stdout: string;
  stderr: string;
}

/** What `plugins.ensure` found or did. */
export interface EnsuredPlugin {
  name: string;
  version?: string;
  /** Set when this call installed it: `bundled` (the copy the project ships). */
  installedFrom?: 'bundled';
}

/** Options of one `plugins.ensure` call. */
export interface EnsureOptions {
  /**
   * An apply's report (`batch.report`): an install this call makes is listed
   * under its `plugin_installs` as `{plugin, version, source: "bundled"}`,
   * the way a macro block's install is.
   */
  report?: Record<string, unknown>;
  /** The install's progress lines, for an apply whose client follows them (`batch.progress`). */
  progress?: (line: string) => void;
}

/**
 * The `plugins` service: other modules (ingress → caddy) invoke a plugin
 * command the way the controller does — argv only, the standard env, output
 * bounded, the whole process group killed on timeout. Resolves with any exit
 * code; NotFoundError when the plugin is not installed, ValidationError for
 * an unknown command.
 */
export interface PluginsService {
  run(nameOrAlias: string, command: string, opts?: PluginCallOptions): Promise<PluginCallResult>;
  /**
   * Makes sure a plugin is installed before a module relies on it: an
   * installed one is used as it is; otherwise the copy the project ships is
   * installed (no network). NotFoundError naming the plugin and the fix when
   * neither exists; ValidationError when the bundled install fails.
   */
  ensure(nameOrAlias: string, opts?: EnsureOptions): Promise<EnsuredPlugin>;
}

declare module '../../kernel/services.js' {
  interface ServiceMap {
    plugins: PluginsService;
  }
}
