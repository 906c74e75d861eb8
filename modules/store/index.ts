/**
 * The `store` module: provides the `store` service on etcd. With `endpoints`
 * it uses an etcd someone else runs; otherwise it runs its own etcd child
 * (embedded mode) with its data under the `paths` service's state dir.
 */
import { ValidationError, messageOf } from '../../kernel/errors.js';
import { defineModule } from '../../kernel/module.js';
import type {} from '../paths/contract.js';
import { EmbeddedEtcd } from './embedded-etcd.js';
import { EtcdStore } from './etcd-store.js';

export interface StoreOptions {
  /** External mode: client URLs of an etcd to use; nothing is started. */
  endpoints?: string[];
  /** Embedded mode: the etcd binary (name on PATH or path). Default `etcd`. */
  etcdBin?: string;
  /** Embedded mode. Default http://127.0.0.1:2379. */
  clientUrl?: string;
  /** Embedded mode. Default http://127.0.0.1:2380. */
  peerUrl?: string;
  /** Embedded mode. Default: the paths service's `state` dir. */
  dataDir?: string;
  /** Embedded mode: etcd member name. Default voodu-0. */
  name?: string;
  /** Embedded mode: how long to wait for etcd to be healthy. Default 30000. */
  readyTimeoutMs?: number;
}

const EMBEDDED_ONLY = ['etcdBin', 'clientUrl', 'peerUrl', 'dataDir', 'name', 'readyTimeoutMs'] as const;
const KNOWN = new Set<string>(['endpoints', ...EMBEDDED_ONLY]);

export default defineModule<StoreOptions>({
  name: 'store',
  description: 'desired state, config and status on etcd (embedded child or external cluster)',
  provides: ['store'],
  optional: ['paths'],
  register(ctx) {
    const options = validate((ctx.options ?? {}) as Record<string, unknown>);

    if (options.endpoints) {
      const store = new EtcdStore({ endpoints: options.endpoints, log: ctx.log });
      ctx.provide('store', store);
      return {
        async start() {
          try {
            await store.ping();
          } catch (err) {
            throw new Error(`external etcd (store.endpoints ${options.endpoints!.join(', ')}) is not reachable: ${messageOf(err)}`, {
              cause: err,
            });
          }
          ctx.log.info(`using external etcd at ${options.endpoints!.join(', ')}`);
        },
        stop: () => store.close(),
      };
    }

    const dataDir = options.dataDir ?? (ctx.has('paths') ? ctx.service('paths').state : undefined);
    if (!dataDir) {
      throw new ValidationError(
        'store.dataDir: no etcd data dir; set store.dataDir, enable the paths module (its state dir is the default), or use an external etcd with store.endpoints',
        { field: 'store.dataDir' },
      );
    }
    const etcd = new EmbeddedEtcd({
      dataDir,
      log: ctx.log.child('etcd'),
      ...(options.etcdBin !== undefined && { bin: options.etcdBin }),
      ...(options.clientUrl !== undefined && { clientUrl: options.clientUrl }),
      ...(options.peerUrl !== undefined && { peerUrl: options.peerUrl }),
      ...(options.name !== undefined && { name: options.name }),
      ...(options.readyTimeoutMs !== undefined && { readyTimeoutMs: options.readyTimeoutMs }),
    });
    // The client connects lazily, so it can exist (and be provided) before etcd runs.
    const store = new EtcdStore({ endpoints: [etcd.clientUrl], log: ctx.log });
    ctx.provide('store', store);
    return {
      async start() {
        await etcd.start();
        try {
          await store.ping();
        } catch (err) {
          await etcd.stop();
          throw err;
        }
      },
      async stop() {
        await store.close();
        await etcd.stop();
      },
    };
  },
});

/** Checks the module options; every error names the offending option. */
export function validate(raw: Record<string, unknown>): StoreOptions {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ValidationError('store: options must be an object', { field: 'store' });
  }
  for (const key of Object.keys(raw)) {
    if (!KNOWN.has(key)) {
      throw new ValidationError(`store.${key}: unknown option; known options are ${[...KNOWN].join(', ')}`, {
        field: `store.${key}`,
      });
    }
  }
  const out: StoreOptions = {};
  if (raw.endpoints !== undefined) {
    const eps = raw.endpoints;
    if (!Array.isArray(eps) || eps.length === 0) {
      throw new ValidationError('store.endpoints: give a non-empty list of etcd client URLs, e.g. ["http://127.0.0.1:2379"]', {
        field: 'store.endpoints',
      });
    }
    for (const ep of eps) {
      if (!isHttpUrl(ep)) {
        throw new ValidationError(
          `store.endpoints: ${JSON.stringify(ep)} is not an http://host:port URL (TLS endpoints are not supported)`,
          { field: 'store.endpoints' },
        );
      }
    }
    const embedded = EMBEDDED_ONLY.filter((k) => raw[k] !== undefined);
    if (embedded.length) {
      throw new ValidationError(
        `store.${embedded[0]}: only applies to the embedded etcd, but store.endpoints selects an external one; drop one of them`,
        { field: `store.${embedded[0]}` },
      );
    }
    out.endpoints = eps as string[];
    return out;
  }
  for (const key of ['etcdBin', 'dataDir', 'name'] as const) {
    const v = raw[key];
    if (v === undefined) continue;
    if (typeof v !== 'string' || v.trim() === '') {
      throw new ValidationError(`store.${key}: must be a non-empty string`, { field: `store.${key}` });
    }
    out[key] = v;
  }
  for (const key of ['clientUrl', 'peerUrl'] as const) {
    const v = raw[key];
    if (v === undefined) continue;
    if (!isHttpUrl(v)) {
      throw new ValidationError(`store.${key}: ${JSON.stringify(v)} is not an http://host:port URL`, { field: `store.${key}` });
    }
    out[key] = v;
  }
  if (raw.readyTimeoutMs !== undefined) {
    const v = raw.readyTimeoutMs;
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
      throw new ValidationError(`store.readyTimeoutMs: ${JSON.stringify(v)} is not a positive whole number of milliseconds`, {
        field: 'store.readyTimeoutMs',
      });
    }
    out.readyTimeoutMs = v;
  }
  return out;
}

function isHttpUrl(v: unknown): v is string {
  if (typeof v !== 'string') return false;
  try {
    const url = new URL(v);
    return url.protocol === 'http:' && url.hostname !== '' && url.port !== '' && (url.pathname === '/' || url.pathname === '');
  } catch {
    return false;
  }
}
