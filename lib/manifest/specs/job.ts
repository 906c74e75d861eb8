/** job, and the `job` inside a cronjob. Parse default: logs 10m×3 (image defaults at run time). */
import type { At } from '../at.js';
import { record, type Shape } from '../decoders.js';
import * as f from '../fields.js';
import type { JobSpec } from '../types.js';
import { checkContainer, ordered } from './container.js';

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
