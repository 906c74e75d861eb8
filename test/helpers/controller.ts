/** Boots a controller in this process on a temp root, for tests that need real modules and HTTP. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kernel, createLogger } from '../../kernel/index.js';
import { startController, type ControllerHandle } from '../../controller/main.js';
import { coreModules } from '../../modules/core.js';

export interface TestController extends ControllerHandle {
  root: string;
  url: string;
  /** The API token the controller created in `<root>/api-token`. */
  token: string;
  cleanup(): Promise<void>;
}

/** `modules` is written to `<root>/modules.json` when given. Extra flags follow the defaults. */
export async function bootController(options: { modules?: unknown; flags?: string[] } = {}): Promise<TestController> {
  const root = await mkdtemp(join(tmpdir(), 'voodu-test-'));
  // Port 0 for the pod listener too: test controllers run side by side.
  const argv = ['--root', root, '--http', '127.0.0.1:0', '--pod-http', ':0', '--log-level', 'warn', ...(options.flags ?? [])];
  if (options.modules !== undefined) await writeFile(join(root, 'modules.json'), JSON.stringify(options.modules));
  let handle: ControllerHandle;
  try {
    handle = await startController(argv, {});
  } catch (err) {
    await rm(root, { recursive: true, force: true });
    throw err;
  }
  const url = handle.kernel.services.get('api', 'test').address().url;
  return {
    ...handle,
    root,
    url,
    token: await readToken(root),
    async cleanup() {
      await handle.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** Module config that runs the HTTP API alone: every core module that needs etcd or Docker is off. */
export const API_ONLY = { disable: ['store', 'runtime', 'config', 'assets', 'reconciler', 'apply', 'workload', 'deployment', 'statefulset', 'job', 'cronjob', 'pods', 'probes', 'autoscaler', 'release', 'build', 'plugins', 'webhooks', 'ingress', 'events', 'rollouts', 'overview', 'metrics'] };

/** The token a controller wrote to `<root>/api-token` at start. */
export async function readToken(root: string): Promise<string> {
  return (await readFile(join(root, 'api-token'), 'utf8').catch(() => '')).trim();
}

export interface ModuleController {
  kernel: Kernel;
  url: string;
  /** The API token (see `readToken`). */
  token: string;
  /** Every log line the controller wrote, for assertions and for failure reports. */
  logs: string[];
  root: string;
  stop(): Promise<void>;
}

/**
 * Boots exactly the named core modules on a temp root, against an existing
 * etcd, with the API on a free port. `options` overlay per module;
 * `kernelOptions.manualClock` leaves the clock to `kernel.clock.tick(now)`.
 */
export async function bootModules(
  etcdEndpoint: string,
  modules: string[],
  options: Record<string, Record<string, unknown>> = {},
  kernelOptions: { manualClock?: boolean } = {},
): Promise<ModuleController> {
  const root = await mkdtemp(join(tmpdir(), 'voodu-test-'));
  const logs: string[] = [];
  const kernel = new Kernel({ ...kernelOptions, log: createLogger({ level: (process.env.VOODU_TEST_LOG_LEVEL as 'info') || 'info', sink: (line) => logs.push(line) }) });
  const base: Record<string, Record<string, unknown>> = {
    paths: { root },
    store: { endpoints: [etcdEndpoint] },
    api: { http: '127.0.0.1:0' },
    'pod-api': { http: ':0' },
  };
  // The kind registry is the language every module speaks: always booted, as the controller does.
  const names = modules.includes('kinds') ? modules : ['kinds', ...modules];
  const entries = await Promise.all(
    names.map(async (name) => {
      const load = coreModules[name]?.load;
      if (!load) throw new Error(`bootModules: no core module "${name}"`);
      return { module: await load(), options: { ...base[name], ...options[name] } };
    }),
  );
  try {
    await kernel.boot(entries);
  } catch (err) {
    await rm(root, { recursive: true, force: true });
    throw err;
  }
  return {
    kernel,
    url: kernel.services.get('api', 'test').address().url,
    token: await readToken(root),
    logs,
    root,
    async stop() {
      await kernel.shutdown();
      await rm(root, { recursive: true, force: true });
    },
  };
}
