/**
 * Assembles and runs the controller: flags → module config → kernel boot,
 * then waits for SIGTERM/SIGINT and shuts everything down in order.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Kernel, createLogger, type LogLevel } from '../kernel/index.js';
import { messageOf } from './errors.js';
import { coreLoaders, coreModuleNames } from '../modules/core.js';
import { buildInfo, versionString } from './build-info.js';
import { emptyModuleConfig, loadModuleConfig, resolveModules } from './module-config.js';
import type { NodeInfo } from './node-service.js';

const USAGE = `Usage: voodu-controller [flags]

Keeps desired state in etcd, serves the HTTP API and reconciles manifests into Docker containers.

Flags:
  --root PATH            state root (env VOODU_ROOT, default /opt/voodu)
  --http HOST:PORT       API listen address (env VOODU_HTTP_ADDR, default 127.0.0.1:8686)
  --api-token-file PATH  file holding the API token (default $VOODU_ROOT/api-token, created on first
                         start; env VOODU_API_TOKEN gives the token itself)
  --api-group NAME       make the token file readable by this group (0640), as the docker group works
  --api-host NAME        a Host name the API answers besides loopback and the listen address (repeatable)
  --pod-http HOST:PORT   where pods reach the controller (default: the voodu0 gateway, port 8687; "off" disables)
  --etcd-client URL      embedded etcd client URL (default http://127.0.0.1:2379; beyond loopback, https:// only)
  --etcd-peer URL        embedded etcd peer URL (default http://127.0.0.1:2380; beyond loopback, https:// only)
  --etcd-endpoints LIST  comma-separated URLs of an existing etcd cluster; starts no etcd
  --etcd-bin PATH        etcd binary for the embedded mode (default: etcd on PATH)
  --etcd-cert-file F     TLS certificate: the https --etcd-client listener's, which the controller presents
                         too; with --etcd-endpoints, the client certificate the controller presents
  --etcd-key-file F      the key of --etcd-cert-file
  --etcd-trusted-ca-file F  CA that client certificates must chain to and the controller trusts
  --etcd-client-cert-file F, --etcd-client-key-file F
                         embedded: a separate certificate the controller presents (default --etcd-cert-file)
  --etcd-peer-cert-file F, --etcd-peer-key-file F, --etcd-peer-trusted-ca-file F
                         TLS of an https --etcd-peer listener (peer certificates required)
  --modules PATH         module config (default $VOODU_ROOT/modules.json when present)
  --name NAME            node name (default voodu-0)
  --log-level LEVEL      debug, info, warn or error (default info)
  -h, --help             show this help
  -v, --version          print the version
`;

export interface ControllerHandle {
  kernel: Kernel;
  stop(): Promise<void>;
}

function flagValues(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      root: { type: 'string' },
      http: { type: 'string' },
      'api-token-file': { type: 'string' },
      'api-group': { type: 'string' },
      'api-host': { type: 'string', multiple: true },
      'pod-http': { type: 'string' },
      'etcd-client': { type: 'string' },
      'etcd-peer': { type: 'string' },
      'etcd-endpoints': { type: 'string' },
      'etcd-bin': { type: 'string' },
      'etcd-cert-file': { type: 'string' },
      'etcd-key-file': { type: 'string' },
      'etcd-trusted-ca-file': { type: 'string' },
      'etcd-client-cert-file': { type: 'string' },
      'etcd-client-key-file': { type: 'string' },
      'etcd-peer-cert-file': { type: 'string' },
      'etcd-peer-key-file': { type: 'string' },
      'etcd-peer-trusted-ca-file': { type: 'string' },
      modules: { type: 'string' },
      name: { type: 'string' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
  return values;
}

/** Options that flags and env set explicitly; they win over the module config file. */
function flagOverrides(flags: ReturnType<typeof flagValues>, env: NodeJS.ProcessEnv, root: string, name: string) {
  const defined = <T extends Record<string, unknown>>(o: T) =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
  const http = flags.http ?? env.VOODU_HTTP_ADDR;
  // The token itself only from the environment or a file: argv is visible to every user through ps.
  const token = env.VOODU_API_TOKEN;
  const endpoints = flags['etcd-endpoints']
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const embeddedFlags = (
    ['etcd-client', 'etcd-peer', 'etcd-bin', 'etcd-client-cert-file', 'etcd-client-key-file', 'etcd-peer-cert-file', 'etcd-peer-key-file', 'etcd-peer-trusted-ca-file'] as const
  ).filter((f) => flags[f] !== undefined);
  if (endpoints?.length && embeddedFlags.length) {
    throw new Error(`--${embeddedFlags[0]} only applies to the embedded etcd, but --etcd-endpoints uses an existing one; drop one of them`);
  }
  return {
    paths: { root },
    api: defined({
      http,
      token,
      tokenFile: flags['api-token-file'] ?? env.VOODU_API_TOKEN_FILE,
      group: flags['api-group'] ?? env.VOODU_API_GROUP,
      hosts: flags['api-host'],
    }),
    'pod-api': defined({ http: flags['pod-http'] ?? env.VOODU_POD_HTTP_ADDR }),
    // One set of client-side TLS files for both modes; the store module checks them (docs/etcd.md).
    store: {
      ...(endpoints?.length
        ? { endpoints }
        : defined({
            clientUrl: flags['etcd-client'],
            peerUrl: flags['etcd-peer'],
            etcdBin: flags['etcd-bin'],
            name,
            clientCertFile: flags['etcd-client-cert-file'],
            clientKeyFile: flags['etcd-client-key-file'],
            peerCertFile: flags['etcd-peer-cert-file'],
            peerKeyFile: flags['etcd-peer-key-file'],
            peerTrustedCaFile: flags['etcd-peer-trusted-ca-file'],
          })),
      ...defined({ certFile: flags['etcd-cert-file'], keyFile: flags['etcd-key-file'], trustedCaFile: flags['etcd-trusted-ca-file'] }),
    },
  };
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
  let flags: ReturnType<typeof flagValues>;
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
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
