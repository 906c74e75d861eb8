/** statefulset. Parse defaults: logs 10m×3, build {context = "."} without an image. */
import type { At } from '../at.js';
import { record, type Shape } from '../decoders.js';
import * as f from '../fields.js';
import { inits } from '../inits.js';
import { probes } from '../probes.js';
import type { StatefulsetSpec } from '../types.js';
import { volumeClaims } from '../volume-claims.js';
import { onProbe } from '../webhooks.js';
import { checkContainer, ordered, withBuildDefault } from './container.js';

const shape: Shape<StatefulsetSpec> = {
  image: f.image,
  replicas: f.replicas,
  command: f.command,
  env: f.env,
  ports: f.ports,
  volumes: f.volumes,
  network: f.network,
  networks: f.networks,
  network_mode: f.networkMode,
  restart: f.restart,
  health_check: f.healthCheck,
  build: f.build,
  extra_hosts: f.extraHosts,
  cap_add: f.capAdd,
  env_file: f.envFile,
  ulimits: f.ulimits,
  docker_options: f.dockerOptions,
  env_from: f.envFrom,
  volume_claims: volumeClaims,
  depends_on: f.dependsOn,
  resources: f.resources,
  logs: f.logs,
  inits,
  probes,
  on_probe: onProbe,
};
const KEYS = Object.keys(shape);

export function validateStatefulset(raw: unknown, at: At): StatefulsetSpec {
  const spec = record<StatefulsetSpec>('a statefulset', shape, { serverKeys: true })(raw, at)!;
  checkContainer(spec, at);
  const out: StatefulsetSpec = { ...spec, logs: f.withLogDefaults(spec.logs) };
  withBuildDefault(out);
  return ordered(out, KEYS);
}
