/**
 * Spec of each kind as it travels the wire and sits in the store: the JSON
 * shape of the reference's structs (snake_case keys, empty fields omitted).
 * HCL block names differ in three places: `init "x" {}` → `inits[]`,
 * `volume_claim "x" {}` → `volume_claims[]`, `location {}` → `locations[]`;
 * and a cronjob's job fields are flat in HCL but nested under `job` here.
 */

export interface LangSpec {
  name?: string;
  version?: string;
  entrypoint?: string;
}

export interface BuildSpec {
  context?: string;
  dockerfile?: string;
  /** The multi-stage build's target stage. */
  target?: string;
  /** Stamped by `voodu apply` once built: the context's content hash, the image tag the replicas run. */
  id?: string;
  path?: string;
  args?: Record<string, string>;
  lang?: LangSpec;
}

export interface ResourceLimits {
  /** Cores as a decimal ("2", "1.5") or millicores ("500m"). */
  cpu?: string;
  /** Bytes, or a number with Ki/Mi/Gi/Ti (1024ⁿ) or K/M/G/T (1000ⁿ). */
  memory?: string;
}

export interface ResourcesSpec {
  limits?: ResourceLimits;
}

export interface LogsSpec {
  max_size?: string;
  max_files?: number;
}

export interface DependsOnSpec {
  /** `name.key` or `scope.name.key`. */
  assets?: string[];
}

export interface ReleaseSpec {
  command?: string[];
  pre_command?: string[];
  post_command?: string[];
  timeout?: string;
}

export interface AutoscaleSpec {
  min?: number;
  max?: number;
  cpu_target?: number;
  cooldown_up?: string;
  cooldown_down?: string;
}

export interface WebhookTarget {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: Record<string, unknown>;
  /** A `${asset.…}` reference to a JSON body template. */
  file?: string;
}

export interface OnDeploySpec {
  success?: WebhookTarget[];
  failure?: WebhookTarget[];
}

export interface OnProbeSpec {
  failure?: WebhookTarget[];
  recovery?: WebhookTarget[];
}

export interface HttpGetAction {
  path: string;
  port: number;
  scheme?: string;
  http_headers?: Record<string, string>;
}

export interface TcpSocketAction {
  port: number;
}

export interface ExecAction {
  command: string[];
}

export interface ProbeSpec {
  http_get?: HttpGetAction;
  tcp_socket?: TcpSocketAction;
  exec?: ExecAction;
  initial_delay?: string;
  period?: string;
  timeout?: string;
  failure_threshold?: number;
  success_threshold?: number;
}

export interface ProbesSpec {
  liveness?: ProbeSpec;
  readiness?: ProbeSpec;
  startup?: ProbeSpec;
}

export interface InitSpec {
  name: string;
  image?: string;
  command: string[];
  timeout?: string;
  retries?: number;
  resources?: ResourcesSpec;
  ulimits?: Record<string, string>;
  docker_options?: string[];
}

export interface VolumeClaim {
  name: string;
  mount_path: string;
  /** Informational only. */
  size?: string;
}

/** Fields every container-running kind shares (deployment, statefulset, job, cronjob's job). */
export interface ContainerSpec {
  image?: string;
  command?: string[];
  env?: Record<string, string>;
  /** CLI-only: merged into `env` and removed before the manifest leaves the CLI. */
  env_file?: string[];
  env_from?: string[];
  volumes?: string[];
  network?: string;
  networks?: string[];
  network_mode?: string;
  extra_hosts?: string[];
  cap_add?: string[];
  ulimits?: Record<string, string>;
  docker_options?: string[];
  /** How long a stop waits for the process to exit before it is killed (a duration); default 10s. */
  stop_grace_period?: string;
  /** The signal a stop sends first (`SIGTERM` unless the image says otherwise). */
  stop_signal?: string;
  /** Resolver options for the container's /etc/resolv.conf (`timeout:1`, `attempts:3`), as `docker run --dns-opt`. */
  dns_options?: string[];
  build?: BuildSpec;
  depends_on?: DependsOnSpec;
  resources?: ResourcesSpec;
  logs?: LogsSpec;
  /** Stamped by /apply: sha256 per asset reference the spec uses. */
  _asset_digests?: Record<string, string>;
}

