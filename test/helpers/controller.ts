/** Boots a controller in this process on a temp root, for tests that need real modules and HTTP. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startController, type ControllerHandle } from '../../lib/controller.js';

export interface TestController extends ControllerHandle {
  root: string;
  url: string;
  cleanup(): Promise<void>;
}

/** `modules` is written to `<root>/modules.json` when given. Extra flags follow the defaults. */
export async function bootController(options: { modules?: unknown; flags?: string[] } = {}): Promise<TestController> {
  const root = await mkdtemp(join(tmpdir(), 'voodu-test-'));
  const argv = ['--root', root, '--http', '127.0.0.1:0', '--log-level', 'warn', ...(options.flags ?? [])];
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
    async cleanup() {
      await handle.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** Module config that runs the HTTP API alone: every core module that needs etcd or Docker is off. */
export const API_ONLY = { disable: ['store', 'runtime', 'config', 'assets', 'reconciler', 'apply', 'workload', 'deployment', 'statefulset', 'job', 'pods', 'probes'] };
