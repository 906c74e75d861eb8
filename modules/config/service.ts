/** The `config` service, assembled from buckets, env files and manifests. */
import { type Logger } from '../../kernel/index.js';
import { appId } from '../../lib/identity.js';
import type { KindRegistry } from '../../lib/manifest/kind-registry.js';
import type { Paths } from '../paths/contract.js';
import type { Store } from '../store/contract.js';
import { Buckets } from './buckets.js';
import type { ConfigService } from './contract.js';
import { mergeEnv, renderEnvFile, writeEnvFileAtomic } from './env-file.js';
import { fanOut, storedManifestEnv } from './manifests.js';
import { assertApp } from './validate.js';

export function createConfigService(store: Store, kinds: KindRegistry, paths: Paths, log: Logger): ConfigService {
  const buckets = new Buckets(store, log);
  return {
    bucket: (scope, name) => buckets.bucket(scope, name),
    resolve: (scope, name) => buckets.resolve(scope, name),
    patch: (scope, name, kv) => buckets.patch(scope, name, kv),
    unset: (scope, name, keys) => buckets.unset(scope, name, keys),
    wipe: (scope, name) => buckets.wipe(scope, name),
    async envFor(scope, name, manifestEnv = {}) {
      assertApp(scope, name);
      const [scoped, app] = await Promise.all([buckets.bucket(scope), buckets.bucket(scope, name)]);
      return mergeEnv(manifestEnv, scoped, app);
    },
    manifestEnv: (scope, name) => storedManifestEnv(store, kinds, scope, name),
    async writeEnvFile(scope, name, env) {
      assertApp(scope, name);
      const id = appId(scope, name);
      const file = paths.envFile(id);
      // Render first: a bad key must fail before anything touches the disk.
      const content = renderEnvFile(env);
      await writeEnvFileAtomic(file, content, paths.appDir(id), paths.root);
      return file;
    },
    fanOut: (scope, name) => fanOut(store, kinds, log, scope, name),
  };
}
