/**
 * The core modules, in their default order. Imported lazily so a module
 * disabled in the module config is never even loaded. Order only breaks
 * ties: the kernel registers providers before their consumers anyway.
 */
import type { VooduModule } from '../kernel/index.js';

type Loader = () => Promise<VooduModule<any>>;

export const coreModules: Record<string, Loader> = {
  paths: async () => (await import('./paths/index.js')).default,
  store: async () => (await import('./store/index.js')).default,
  runtime: async () => (await import('./runtime/index.js')).default,
  api: async () => (await import('./api/index.js')).default,
  'pod-api': async () => (await import('./pod-api/index.js')).default,
  config: async () => (await import('./config/index.js')).default,
  assets: async () => (await import('./assets/index.js')).default,
  reconciler: async () => (await import('./reconciler/index.js')).default,
  apply: async () => (await import('./apply/index.js')).default,
  app: async () => (await import('./app/index.js')).default,
  webhooks: async () => (await import('./webhooks/index.js')).default,
  probes: async () => (await import('./probes/index.js')).default,
  workload: async () => (await import('./workload/index.js')).default,
  deployment: async () => (await import('./deployment/index.js')).default,
  statefulset: async () => (await import('./statefulset/index.js')).default,
  job: async () => (await import('./job/index.js')).default,
  cronjob: async () => (await import('./cronjob/index.js')).default,
  pods: async () => (await import('./pods/index.js')).default,
  plugins: async () => (await import('./plugins/index.js')).default,
  release: async () => (await import('./release/index.js')).default,
  autoscaler: async () => (await import('./autoscaler/index.js')).default,
  ingress: async () => (await import('./ingress/index.js')).default,
};

export const coreModuleNames = Object.keys(coreModules);
