/**
 * A real etcd for a test: its own loopback ports and temp data dir, so tests
 * that stop, kill or compact it disturb nobody else.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, type Logger } from '../../kernel/log.js';
import { EmbeddedEtcd, type EmbeddedEtcdOptions } from '../../modules/store/embedded-etcd.js';
import { EtcdStore } from '../../modules/store/etcd-store.js';
import { freePorts } from './ports.js';
import { requireBinary } from './require.js';

export interface TestEtcd {
  /** Client URL, e.g. http://127.0.0.1:41234. */
  endpoint: string;
  peerUrl: string;
  dataDir: string;
  etcd: EmbeddedEtcd;
  /** An EtcdStore connected to it. */
  store: EtcdStore;
  /** Closes the store, stops etcd and deletes the temp dir. */
  stop(): Promise<void>;
}

export async function startEtcd(
  options: { log?: Logger } & Pick<EmbeddedEtcdOptions, 'restartBackoff' | 'readyTimeoutMs'> = {},
): Promise<TestEtcd> {
  const bin = requireBinary('etcd', 'install the etcd-server package');
  const [clientPort, peerPort] = await freePorts(2);
  const root = await mkdtemp(join(tmpdir(), 'voodu-etcd-'));
  const dataDir = join(root, 'data');
  const etcd = new EmbeddedEtcd({
    bin,
    dataDir,
    clientUrl: `http://127.0.0.1:${clientPort}`,
    peerUrl: `http://127.0.0.1:${peerPort}`,
    name: 'test',
    log: options.log ?? createLogger({ name: 'test-etcd', level: 'error' }),
    ...(options.restartBackoff && { restartBackoff: options.restartBackoff }),
    ...(options.readyTimeoutMs && { readyTimeoutMs: options.readyTimeoutMs }),
  });
  try {
    await etcd.start();
  } catch (err) {
    await rm(root, { recursive: true, force: true });
    throw err;
  }
  const store = new EtcdStore({ endpoints: [etcd.clientUrl] });
  let stopped = false;
  return {
    endpoint: etcd.clientUrl,
    peerUrl: etcd.peerUrl,
    dataDir,
    etcd,
    store,
    async stop() {
      if (stopped) return;
      stopped = true;
      await store.close();
      await etcd.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}
