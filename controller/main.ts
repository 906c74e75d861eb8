/**
 * The controller's composition root: flags → module config → kernel boot,
 * then waiting for SIGTERM/SIGINT and shutting everything down in order. It
 * lives outside lib/, which holds only what modules share.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Kernel, createLogger, type LogLevel } from '../kernel/index.js';
import { buildInfo, versionString } from '../lib/build-info.js';
import { messageOf } from '../lib/errors.js';
import { emptyModuleConfig, loadModuleConfig, resolveModules } from '../lib/module-config.js';
import type { NodeInfo } from '../lib/node-service.js';
import { coreLoaders, coreModuleNames } from '../modules/core.js';
import { USAGE, flagOverrides, flagValues, type ControllerFlags } from './flags.js';

export interface ControllerHandle {
  kernel: Kernel;
  stop(): Promise<void>;
}

/** Boots a controller in this process. Used by the bin and by in-process tests. */
export async function startController(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<ControllerHandle> {
  const flags = flagValues(argv);
  const level = (flags['log-level'] ?? env.VOODU_LOG_LEVEL ?? 'info') as LogLevel;
  if (!['debug', 'info', 'warn', 'error'].includes(level)) {
    throw new Error(`--log-level: "${level}" is not one of debug, info, warn, error`);
  }
  const root = resolve(flags.root ?? env.VOODU_ROOT ?? '/opt/voodu');
  const name = flags.name ?? 'voodu-0';
  const defaultConfig = join(root, 'modules.json');
  const configPath = flags.modules ?? (existsSync(defaultConfig) ? defaultConfig : undefined);
  const config = configPath ? await loadModuleConfig(configPath, coreModuleNames) : emptyModuleConfig();
  const entries = await resolveModules(config, coreLoaders, flagOverrides(flags, env, root, name));

  const log = createLogger({ level });
  log.info(`voodu-controller ${versionString()} root=${root} node=${name}${configPath ? ` modules=${configPath}` : ''}`);
  const kernel = new Kernel({ log });
  const node: NodeInfo = { name, version: buildInfo().version };
  kernel.services.provide('node', node, 'controller');
  await kernel.boot(entries);
  return { kernel, stop: () => kernel.shutdown() };
}

/** The `voodu-controller` process: boot, then stop cleanly on the first signal. */
export async function runController(argv: string[]): Promise<void> {
  let flags: ControllerFlags;
  try {
    flags = flagValues(argv);
  } catch (err) {
    process.stderr.write(`voodu-controller: ${messageOf(err)}\n\n${USAGE}`);
    process.exit(2);
  }
  if (flags.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (flags.version) {
    process.stdout.write(`voodu-controller ${versionString()}\n`);
    return;
  }
  let handle: ControllerHandle;
  try {
    handle = await startController(argv);
  } catch (err) {
    process.stderr.write(`voodu-controller: ${messageOf(err)}\n`);
    process.exit(1);
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    handle.kernel.log.info(`${signal} received, shutting down`);
    // etcd3 leaves backoff timers behind that keep the loop alive: exit explicitly once stopped.
    void handle.stop().finally(() => process.exit(0));
  };
  // A promise nobody awaited that failed is a bug to log, not a reason to take the host's control
  // plane down: every loop here is level-triggered and the next pass re-derives its state.
  process.on('unhandledRejection', (reason) => {
    handle.kernel.log.error(`unhandled rejection (a bug; please report it): ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`);
  });
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
