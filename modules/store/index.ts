/**
 * The `store` module: provides the `store` service on etcd. With `endpoints`
 * it uses an etcd someone else runs; otherwise it runs its own etcd child
 * (embedded mode) with its data under the `paths` service's state dir.
 * Who may reach that etcd is etcd-exposure.ts; docs/etcd.md explains it.
 */
import { ValidationError, messageOf } from '../../lib/errors.js';
import { defineModule } from '../../kernel/module.js';
import { timedWith } from '../../lib/timed-calls.js';
import { FAST_BUCKETS } from '../metrics/contract.js';
import type {} from '../paths/contract.js';
import type {} from '../api/contract.js';
import { EmbeddedEtcd } from './embedded-etcd.js';
import { checkExternal, parseEtcdUrl, plainRemoteWarning } from './etcd-exposure.js';
import { EtcdStore } from './etcd-store.js';
import { externalClientCredentials } from './etcd-tls.js';

export interface StoreOptions {
  /** External mode: client URLs of an etcd to use (all http or all https); nothing is started. */
  endpoints?: string[];
  /**
   * TLS of the client side (flags --etcd-cert-file, --etcd-key-file, --etcd-trusted-ca-file).
   * External mode: the certificate the controller presents and the CA it trusts.
   * Embedded mode: the https client listener's certificate, key and the CA client
   * certificates must chain to; the controller presents the same certificate
   * (issue it for serverAuth and clientAuth) unless clientCertFile/clientKeyFile say otherwise.
   */
  certFile?: string;
  keyFile?: string;
  trustedCaFile?: string;
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
  /** Embedded mode: the controller's own client certificate, when the listener's is for serverAuth only. */
  clientCertFile?: string;
  clientKeyFile?: string;
  /** Embedded mode: TLS of an https peer listener, with peer client-certificate auth. */
  peerCertFile?: string;
  peerKeyFile?: string;
  peerTrustedCaFile?: string;
}

const CLIENT_TLS = ['certFile', 'keyFile', 'trustedCaFile'] as const;
const EMBEDDED_TLS = ['clientCertFile', 'clientKeyFile', 'peerCertFile', 'peerKeyFile', 'peerTrustedCaFile'] as const;
const EMBEDDED_ONLY = ['etcdBin', 'clientUrl', 'peerUrl', 'dataDir', 'name', 'readyTimeoutMs', ...EMBEDDED_TLS] as const;
const KNOWN = new Set<string>(['endpoints', ...CLIENT_TLS, ...EMBEDDED_ONLY]);

export default defineModule<StoreOptions>({
  name: 'store',
  description: 'desired state, config and status on etcd (embedded child or external cluster)',
  provides: ['store'],
  optional: ['paths', 'metrics', 'api'],
  register(ctx) {
    const options = validate((ctx.options ?? {}) as Record<string, unknown>);
    // With metrics on, the service others get times every call (voodu_etcd_request_duration_seconds).
    const provide = (store: EtcdStore) => {
      if (!ctx.has('metrics')) return ctx.provide('store', store);
      const latency = ctx.service('metrics').histogram({
        name: 'voodu_etcd_request_duration_seconds',
        help: 'etcd calls of the controller by store method and result (ok, error)',
        labelNames: ['op', 'result'],
        buckets: FAST_BUCKETS,
      });
      ctx.provide('store', timedWith(latency, store, ['close']));
    };
    // `/health` is degraded while etcd does not answer (the api module reports it).
    const reportHealth = (store: EtcdStore) => {
      if (ctx.has('api')) ctx.service('api').healthCheck('etcd', () => store.ping());
    };

    const clientTls = pick(options, CLIENT_TLS);
    if (options.endpoints) {
      const plan = checkExternal(options.endpoints, clientTls);
      const credentials = plan.tls ? externalClientCredentials(clientTls) : undefined;
      // Once, at boot and before any connection: the operator sees it even if etcd is down.
      if (plan.plainRemote.length) ctx.log.warn(plainRemoteWarning(plan.plainRemote));
      const store = new EtcdStore({ endpoints: options.endpoints, log: ctx.log, ...(credentials && { credentials }) });
      provide(store);
      reportHealth(store);
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
      clientTls,
      clientIdentity: { certFile: options.clientCertFile, keyFile: options.clientKeyFile },
      peerTls: { certFile: options.peerCertFile, keyFile: options.peerKeyFile, trustedCaFile: options.peerTrustedCaFile },
    });
    // The client connects lazily, so it can exist (and be provided) before etcd runs.
    const store = new EtcdStore({
      endpoints: [etcd.connectUrl],
      log: ctx.log,
      ...(etcd.clientCredentials && { credentials: etcd.clientCredentials }),
    });
    provide(store);
    reportHealth(store);
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
      if (!parseEtcdUrl(ep)) {
        throw new ValidationError(`store.endpoints: ${JSON.stringify(ep)} is not an http://host:port or https://host:port URL`, {
          field: 'store.endpoints',
        });
      }
    }
    strings(raw, out, CLIENT_TLS);
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
  strings(raw, out, ['etcdBin', 'dataDir', 'name', ...CLIENT_TLS, ...EMBEDDED_TLS]);
  for (const key of ['clientUrl', 'peerUrl'] as const) {
    const v = raw[key];
    if (v === undefined) continue;
    if (!parseEtcdUrl(v)) {
      throw new ValidationError(`store.${key}: ${JSON.stringify(v)} is not an http://host:port or https://host:port URL`, {
        field: `store.${key}`,
      });
    }
    out[key] = v as string;
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

type StringOption = 'etcdBin' | 'dataDir' | 'name' | (typeof CLIENT_TLS)[number] | (typeof EMBEDDED_TLS)[number];

/** Copies the given options, each of which must be a non-empty string. */
function strings(raw: Record<string, unknown>, out: StoreOptions, keys: readonly StringOption[]): void {
  for (const key of keys) {
    const v = raw[key];
    if (v === undefined) continue;
    if (typeof v !== 'string' || v.trim() === '') {
      throw new ValidationError(`store.${key}: must be a non-empty string`, { field: `store.${key}` });
    }
    out[key] = v;
  }
}

function pick<K extends keyof StoreOptions>(options: StoreOptions, keys: readonly K[]): Pick<StoreOptions, K> {
  const out: Pick<StoreOptions, K> = {} as Pick<StoreOptions, K>;
  for (const key of keys) if (options[key] !== undefined) out[key] = options[key];
  return out;
}
