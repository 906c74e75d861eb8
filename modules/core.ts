/**
 * The core modules, in their default order, and the faces each shows:
 *
 *   load   the module itself (daemon code), for the controller
 *   kinds  the manifest kinds it defines (`spec.ts`: pure, so the CLI can
 *          validate HCL with the same definitions the controller applies)
 *   cli    the CLI verbs it contributes (`cli.ts`: imports only cli/ and lib/)
 *
 * Everything is imported lazily, so a module disabled in the module config is
 * never loaded, and the CLI never loads daemon code. Order only breaks ties:
 * the kernel registers providers before their consumers anyway. Adding a
 * module is one entry here; adding a kind or a verb to a module touches only
 * that module's folder.
 */
import type { VooduModule } from '../kernel/index.js';
import { KindRegistry, type KindDefinition } from '../lib/manifest/kind-registry.js';
import type { CliFacet } from '../cli/verb.js';

export interface CoreModule {
  load: () => Promise<VooduModule<any>>;
  kinds?: () => Promise<{ kinds: KindDefinition[] }>;
  cli?: () => Promise<CliFacet>;
}

export const coreModules: Record<string, CoreModule> = {
  kinds: { load: async () => (await import('./kinds/index.js')).default },
  paths: { load: async () => (await import('./paths/index.js')).default },
  metrics: { load: async () => (await import('./metrics/index.js')).default },
  store: { load: async () => (await import('./store/index.js')).default },
  runtime: { load: async () => (await import('./runtime/index.js')).default, kinds: () => import('./runtime/spec.js') },
  api: { load: async () => (await import('./api/index.js')).default, cli: () => import('./api/cli.js') },
  'pod-api': { load: async () => (await import('./pod-api/index.js')).default },
  config: { load: async () => (await import('./config/index.js')).default, cli: () => import('./config/cli.js') },
  assets: { load: async () => (await import('./assets/index.js')).default, kinds: () => import('./assets/spec.js') },
  events: { load: async () => (await import('./events/index.js')).default, cli: () => import('./events/cli.js') },
  reconciler: { load: async () => (await import('./reconciler/index.js')).default },
  apply: { load: async () => (await import('./apply/index.js')).default, cli: () => import('./apply/cli.js') },
  app: { load: async () => (await import('./app/index.js')).default, kinds: () => import('./app/spec.js') },
  rollouts: { load: async () => (await import('./rollouts/index.js')).default },
  overview: { load: async () => (await import('./overview/index.js')).default, cli: () => import('./overview/cli.js') },
  webhooks: { load: async () => (await import('./webhooks/index.js')).default },
  probes: { load: async () => (await import('./probes/index.js')).default },
  workload: { load: async () => (await import('./workload/index.js')).default },
  deployment: {
    load: async () => (await import('./deployment/index.js')).default,
    kinds: () => import('./deployment/spec.js'),
    cli: () => import('./deployment/cli.js'),
  },
  statefulset: { load: async () => (await import('./statefulset/index.js')).default, kinds: () => import('./statefulset/spec.js') },
  job: { load: async () => (await import('./job/index.js')).default, kinds: () => import('./job/spec.js'), cli: () => import('./job/cli.js') },
  cronjob: { load: async () => (await import('./cronjob/index.js')).default, kinds: () => import('./cronjob/spec.js') },
  pods: { load: async () => (await import('./pods/index.js')).default, cli: () => import('./pods/cli.js') },
  plugins: { load: async () => (await import('./plugins/index.js')).default, cli: () => import('./plugins/cli-manage.js') },
  release: { load: async () => (await import('./release/index.js')).default, cli: () => import('./release/cli.js') },
  build: { load: async () => (await import('./build/index.js')).default, cli: () => import('./build/cli.js') },
  autoscaler: { load: async () => (await import('./autoscaler/index.js')).default },
  ingress: { load: async () => (await import('./ingress/index.js')).default, kinds: () => import('./ingress/spec.js') },
};

export const coreModuleNames = Object.keys(coreModules);

/** The module loaders alone, as the module config resolves them. */
export const coreLoaders: Record<string, CoreModule['load']> = Object.fromEntries(Object.entries(coreModules).map(([name, m]) => [name, m.load]));

/**
 * The kinds the core modules define, as one registry. The CLI validates HCL
 * with it; the controller's `kinds` module starts from it, so the core kinds
 * are the same language on both sides whatever the module config disables
 * (a disabled module's manifests are still stored, just not reconciled), and
 * community modules add theirs to the `kinds` service at register.
 */
export async function coreKindRegistry(): Promise<KindRegistry> {
  const facets = await Promise.all(
    Object.entries(coreModules).map(async ([module, m]) => ((await m.kinds?.())?.kinds ?? []).map((k) => ({ ...k, module }))),
  );
  return new KindRegistry(facets.flat());
}
