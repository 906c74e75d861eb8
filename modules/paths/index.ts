/**
 * The `paths` module: owns the `$VOODU_ROOT` layout and creates it at start,
 * so every other module can assume the directories exist.
 */
import { mkdir } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { defineModule } from '../../kernel/index.js';
import { ValidationError } from '../../lib/errors.js';
import type { Paths } from './contract.js';

export interface PathsOptions {
  /** `$VOODU_ROOT`; default `/opt/voodu`. */
  root?: string;
}

export function layout(root: string): Paths {
  const abs = resolve(root);
  return {
    root: abs,
    state: join(abs, 'state'),
    plugins: join(abs, 'plugins'),
    apps: join(abs, 'apps'),
    volumes: join(abs, 'volumes'),
    assets: join(abs, 'assets'),
    cache: join(abs, 'cache'),
    appDir: (appId) => join(abs, 'apps', appId),
    envFile: (appId) => join(abs, 'apps', appId, 'shared', '.env'),
    volumeDir: (appId) => join(abs, 'volumes', appId),
    assetDir: (scope, name) => (scope ? join(abs, 'assets', scope, name) : join(abs, 'assets', name)),
    pluginDir: (name) => join(abs, 'plugins', name),
  };
}

export default defineModule<PathsOptions>({
  name: 'paths',
  description: 'The $VOODU_ROOT directory layout',
  provides: ['paths'],
  register(ctx) {
    const root = ctx.options.root ?? '/opt/voodu';
    if (typeof root !== 'string' || !isAbsolute(root)) {
      throw new ValidationError(`paths.root: ${JSON.stringify(root)} must be an absolute path (set --root or VOODU_ROOT)`, {
        field: 'root',
      });
    }
    const paths = layout(root);
    ctx.provide('paths', paths);
    return {
      async start() {
        // state holds etcd's data: keep it private to the controller's user.
        await mkdir(paths.state, { recursive: true, mode: 0o700 });
        for (const dir of [paths.plugins, paths.apps, paths.volumes, paths.assets, paths.cache]) {
          await mkdir(dir, { recursive: true, mode: 0o755 });
        }
      },
    };
  },
});
