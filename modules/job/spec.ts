/** job, and the `job` inside a cronjob. Parse default: logs 10m×3 (image defaults at run time). */
import type { At } from '../../lib/manifest/at.js';
import { record, type Shape } from '../../lib/manifest/decoders.js';
import * as f from '../../lib/manifest/fields.js';
import { checkContainer, ordered } from '../../lib/manifest/container.js';
import type { ContainerSpec } from '../../lib/manifest/types.js';
import type { KindDefinition } from '../../lib/manifest/kind-registry.js';
import { documented } from '../../lib/manifest/field-docs.js';
import { CONTAINER_BLOCKS } from '../../lib/manifest/hcl-rules.js';

export interface JobSpec extends ContainerSpec {
  timeout?: string;
  successful_history_limit?: number;
  failed_history_limit?: number;
  /** Extra container labels, emitted by plugins (e.g. `voodu.role = backup`). */
  labels?: Record<string, string>;
}

const shape: Shape<JobSpec> = {
  image: f.image,
  command: f.command,
  env: f.env,
  volumes: f.volumes,
  network: f.network,
  networks: f.networks,
  network_mode: f.networkMode,
  build: f.build,
  extra_hosts: f.extraHosts,
  cap_add: f.capAdd,
  stop_grace_period: f.stopGracePeriod,
  stop_signal: f.stopSignal,
  dns_options: f.dnsOptions,
  env_file: f.envFile,
  ulimits: f.ulimits,
  docker_options: f.dockerOptions,
  env_from: f.envFrom,
  timeout: f.duration,
  successful_history_limit: f.historyLimit,
  failed_history_limit: f.historyLimit,
  depends_on: f.dependsOn,
  resources: f.resources,
  logs: f.logs,
  labels: f.labels,
};
export const JOB_KEYS = Object.keys(shape);

export function validateJob(raw: unknown, at: At, what = 'a job'): JobSpec {
  const spec = record<JobSpec>(what, shape, { serverKeys: true })(raw, at)!;
  checkContainer(spec, at);
  return ordered({ ...spec, logs: f.withLogDefaults(spec.logs) }, JOB_KEYS);
}

export const jobKind: KindDefinition = {
  name: 'job',
  scope: 'required',
  summary: 'A container run to completion on demand (`voodu run job`), with a bounded history of runs.',
  fields: documented('job', JOB_KEYS, {
    image: { type: 'string', doc: 'Image a run uses (e.g. `ghcr.io/acme/api:1.4`); default `<scope>-<name>:latest`, the build-mode tag. `image` and `build` are mutually exclusive.' },
    command: { type: 'list(string)', doc: 'The run\'s command as an argv list (`["./manage", "migrate"]`), replacing the image\'s CMD; default the image\'s own. Items may use `${asset…}` paths.' },
    volumes: { type: 'list(string)', doc: 'Mounts in docker `-v` form: `"/host/path:/in/container[:ro]"`, `"volume-name:/data"`, or a lone `"/path"` for an anonymous volume; entries cannot be empty. An asset file is mounted with `"${asset.<scope>.<name>.<key>}:/etc/app.conf:ro"`.' },
    networks: { type: 'list(string)', doc: 'Docker networks to join besides `voodu0` (a run gets no DNS alias). Cannot be combined with `network_mode`.' },
    build: {
      type: 'block',
      doc: 'Build settings: `build { context, dockerfile, path, args = { … }, lang { name, version, entrypoint } }`. Mutually exclusive with `image`; without an image a run uses the image tagged `<scope>-<name>:latest`.',
    },
    env_from: { type: 'list(string)', doc: 'Other apps whose env file a run also reads, as `"<scope>/<name>"` or `"<name>"` (same scope), before its own, so its own env wins. The CLI also reads those apps\' config buckets for `${VAR}` values.' },
    timeout: { type: 'duration ("30s")', doc: 'How long a run may take (`30s`, `10m`, `1h30m`) before it is killed and recorded as failed; default no limit.' },
    successful_history_limit: { type: 'number', doc: 'How many succeeded runs the status keeps (older stopped run containers are removed); default 3, and 0 also means 3.' },
    failed_history_limit: { type: 'number', doc: 'How many failed runs the status keeps (older stopped run containers are removed); default 1, and 0 also means 1.' },
    depends_on: { type: 'block', doc: '`depends_on { assets = ["<name>.<key>", "<scope>.<name>.<key>"] }`: assets a run uses without naming them in the spec; the apply refuses one that does not exist and records its content digest, as for a referenced asset.' },
    labels: { type: 'map(string)', doc: 'Extra labels on the run\'s containers, usually set by a plugin (e.g. `"voodu.role" = "backup"`); voodu\'s identity labels (`createdby`, `voodu.kind`, `voodu.scope`, `voodu.name`, `voodu.replica_id`, …) cannot be set.' },
  }),
  defaults: ['`logs { max_size = "10m", max_files = 3 }`, each where it is not set'],
  example: `job "prod" "migrate" {
  image    = "ghcr.io/acme/api:1.4"
  command  = ["./manage", "migrate"]
  env_from = ["prod/api"]
  timeout  = "10m"

  successful_history_limit = 5
}
`,
  validate: (raw, at) => validateJob(raw, at),
  roles: { workload: true, envFile: true, prunable: true },
  hcl: { blocks: CONTAINER_BLOCKS },
};

export const kinds = [jobKind];
