/**
 * The `plugins` module: out-of-process plugins under
 * `$VOODU_ROOT/plugins/<name>/` bridged onto the kernel hooks — macro
 * blocks through `onExpand` (installed just in time when missing, from the
 * copy the project ships under `plugins/` when there is one), CLI verbs
 * through `POST /plugin/{name}/{command}` and `onAction`. The disk is the
 * registry: plugins are re-read on every lookup, so an install or a hand
 * edit needs no restart.
 */
import { join, resolve } from 'node:path';
import '../kinds/contract.js';
import { defineModule } from '../../kernel/index.js';
import { ValidationError } from '../../lib/errors.js';
import type {} from '../../lib/node-service.js';
import type {} from '../api/contract.js';
import type {} from '../config/contract.js';
import type {} from '../paths/contract.js';
import type {} from '../store/contract.js';
import { registerClientActions } from './actions.js';
import { bundledPlugins, defaultBundledDir } from './bundled.js';
import type { PluginInstaller, PluginsService } from './contract.js';
import { ensurePlugin } from './ensure.js';
import { registerExpand } from './expand.js';
import { createInstaller, type InstallerOptions } from './install/index.js';
import { registerInstallRoutes } from './install/routes.js';
import { loadByName, loadPluginDir } from './load.js';
import { listPlugins, registerPluginRoutes } from './routes.js';
import { DEFAULT_TIMEOUT_MS, runPlugin, type RunObserver } from './run.js';
import { SLOW_BUCKETS, type Metrics } from '../metrics/contract.js';
import { sessionOpener } from './session.js';
import { createRedactor } from './redact.js';

export interface PluginsOptions {
  /** Plugins root; default `<VOODU_ROOT>/plugins`. */
  dir?: string;
  /** Per-invocation timeout (expand, dispatch, legacy exec). */
  timeoutMs?: number;
  /** Owner of `<owner>/voodu-<kind>` for JIT installs. */
  defaultOwner?: string;
  /** Passed to plugins as VOODU_ETCD_CLIENT. */
  etcdClient?: string;
  /** `false` turns JIT install during apply off (GitHub and bundled alike). */
  jit?: boolean;
  /**
   * Where the plugins the project ships live, one directory per plugin;
   * default `<project root>/plugins`. `false`: none are offered.
   */
  bundledDir?: string | false;
  /** Handed to the installer: `githubApi` (default env VOODU_GITHUB_API, else api.github.com), token, timeouts, retries. */
  install?: Partial<Omit<InstallerOptions, 'pluginsDir' | 'loadPluginDir' | 'log'>>;
}

/** Plugin runs (expand, verbs, hooks) by plugin, command and outcome, and how long they take. */
function pluginMetrics(metrics: Metrics): RunObserver {
  const total = metrics.counter({
    name: 'voodu_plugin_invocations_total',
    help: 'Plugin subprocess runs by plugin, command and outcome (ok; failed: the plugin said no; error: it could not run to completion)',
    labelNames: ['plugin', 'command', 'outcome'],
  });
  const duration = metrics.histogram({ name: 'voodu_plugin_invocation_duration_seconds', help: 'How long plugin runs take, by plugin and command', labelNames: ['plugin', 'command'], buckets: SLOW_BUCKETS });
  return (plugin, command, outcome, seconds) => {
    total.inc({ plugin, command, outcome });
    duration.observe({ plugin, command }, seconds);
  };
}

export default defineModule<PluginsOptions>({
  name: 'plugins',
  description: 'Out-of-process plugins: macro expansion, JIT install, dispatch and actions (/plugins, /plugin/{name}/{command})',
  requires: ['store', 'api', 'paths', 'config', 'kinds'],
  optional: ['node', 'metrics'],
  provides: ['plugins'],
  register(ctx) {
    const paths = ctx.service('paths');
    const api = ctx.service('api');
    const opts = ctx.options;
    const root = resolve(opts.dir ?? paths.plugins);
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const nodeName = ctx.has('node') ? ctx.service('node').name : 'voodu-0';
    const githubApi = opts.install?.githubApi ?? process.env.VOODU_GITHUB_API;
    const installer: PluginInstaller = createInstaller({
      cacheDir: join(paths.cache, 'plugins'),
      ...opts.install,
      ...(githubApi ? { githubApi } : {}),
      pluginsDir: root,
      loadPluginDir,
      log: ctx.log,
    });

    // Installed offline when a block or a module needs a plugin nobody installed.
    if (opts.bundledDir !== undefined && opts.bundledDir !== false && (typeof opts.bundledDir !== 'string' || !opts.bundledDir.trim())) {
      throw new ValidationError(`plugins.bundledDir: must be a directory path or false, got ${JSON.stringify(opts.bundledDir)}`, { field: 'bundledDir' });
    }
    const bundledDir = opts.bundledDir === false ? undefined : opts.bundledDir !== undefined ? resolve(opts.bundledDir) : defaultBundledDir();
    const bundled = bundledDir ? bundledPlugins({ dir: bundledDir, root, installer, log: ctx.log }) : undefined;

    // VOODU_ROOT is the plugins root, as the reference plugins expect it; the controller URL is a capability (session.ts).
    const session = sessionOpener(api, () => ({
      VOODU_ROOT: root,
      VOODU_NODE: nodeName,
      VOODU_ETCD_CLIENT: opts.etcdClient ?? 'http://127.0.0.1:2379',
    }));

    // Config values of the resource a call is about never reach an error through plugin output.
    const redact = createRedactor(() => ctx.service('config'), ctx.log);

    const observe = ctx.has('metrics') ? pluginMetrics(ctx.service('metrics')) : undefined;

    registerClientActions(ctx.hooks);
    registerExpand({
      hooks: ctx.hooks,
      kinds: ctx.service('kinds'),
      root,
      ...(opts.jit !== false ? { installer, ...(bundled ? { bundled } : {}) } : {}),
      defaultOwner: opts.defaultOwner ?? 'thadeu',
      env: process.env,
      log: ctx.log,
      timeoutMs,
      session,
      redact,
      ...(observe && { observe }),
    });
    registerPluginRoutes(api, { root, hooks: ctx.hooks, timeoutMs, session, nodeName, vooduRoot: paths.root, redact, ...(observe && { observe }) });
    registerInstallRoutes(api, installer, { listPlugins: () => listPlugins(root), log: ctx.log });

    const service: PluginsService = {
      async run(nameOrAlias, command, call = {}) {
        const plugin = await loadByName(root, nameOrAlias);
        const limit = call.timeoutMs ?? timeoutMs;
        const s = session(plugin.manifest.name, limit);
        return runPlugin(plugin, command, {
          ...(call.args ? { args: call.args } : {}),
          ...(call.stdin !== undefined ? { stdin: call.stdin } : {}),
          env: { ...s.env, ...call.env },
          timeoutMs: limit,
          ...(observe && { observe }),
        })
          .finally(() => s.close())
          .then((r) => (call.redactFor ? redact.result(r, call.redactFor) : r));
      },
      // During an apply (a report to list the install in), `jit: false` keeps the bundled copy out too.
      ensure: (nameOrAlias, ensureOpts) => ensurePlugin(root, ensureOpts?.report && opts.jit === false ? undefined : bundled, nameOrAlias, ensureOpts),
    };
    ctx.provide('plugins', service);
  },
});
