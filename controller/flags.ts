/**
 * The controller's command line: its flags, its usage text, and the module
 * options the flags (and their environment variables) set.
 */
import { parseArgs } from 'node:util';

export const USAGE = `Usage: voodu-controller [flags]

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

export function flagValues(argv: string[]) {
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

export type ControllerFlags = ReturnType<typeof flagValues>;

/** Options that flags and env set explicitly; they win over the module config file. */
export function flagOverrides(flags: ControllerFlags, env: NodeJS.ProcessEnv, root: string, name: string) {
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
