/**
 * deployment (and the deployment half of `app`). Parse defaults, applied
 * here on both sides (CLI and /apply): health_check "/", logs 10m×3,
 * build {context = "."} without an image, replicas seeded from autoscale.min
 * (and clamped into [min, max] when the wire carries a count).
 */
import type { At } from '../at.js';
import { autoscale } from '../autoscale.js';
import { int, record, strList, type Shape } from '../decoders.js';
import * as f from '../fields.js';
import { inits } from '../inits.js';
import { probes } from '../probes.js';
import type { DeploymentSpec } from '../types.js';
import { onDeploy, onProbe } from '../webhooks.js';
import { checkContainer, ordered, withBuildDefault } from './container.js';

export const deploymentShape: Shape<DeploymentSpec> = {
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
  post_deploy: strList,
  keep_releases: int({ min: 0 }),
  build: f.build,
  extra_hosts: f.extraHosts,
  cap_add: f.capAdd,
  ulimits: f.ulimits,
  docker_options: f.dockerOptions,
  env_file: f.envFile,
  env_from: f.envFrom,
  release: f.release,
  depends_on: f.dependsOn,
  resources: f.resources,
  autoscale,
  on_deploy: onDeploy,
  on_probe: onProbe,
  logs: f.logs,
  probes,
  inits,
};

export const DEPLOYMENT_KEYS = Object.keys(deploymentShape);

/** Cross-field rules of a deployment; `spec` is already decoded. */
export function checkDeployment(spec: DeploymentSpec, at: At): void {
  checkContainer(spec, at);
  // On the HCL surface a count next to autoscale is a contradiction; on the
  // wire it is the seeded (or autoscaler-chosen) count, so it is allowed there.
  if (at.origin.hcl && spec.autoscale && (spec.replicas ?? 0) > 0) {
    at.key('replicas').fail('replicas and autoscale are mutually exclusive — use min/max instead');
  }
}

export function deploymentDefaults(spec: DeploymentSpec): DeploymentSpec {
  const out: DeploymentSpec = { ...spec, health_check: spec.health_check || '/', logs: f.withLogDefaults(spec.logs) };
  const as = spec.autoscale;
  if (as?.min) {
    const max = as.max ?? as.min;
    out.replicas = spec.replicas ? Math.min(Math.max(spec.replicas, as.min), max) : as.min;
  }
  withBuildDefault(out);
  return ordered(out, DEPLOYMENT_KEYS);
}

export function validateDeployment(raw: unknown, at: At): DeploymentSpec {
  const spec = record<DeploymentSpec>('a deployment', deploymentShape, { serverKeys: true })(raw, at)!;
  checkDeployment(spec, at);
  return deploymentDefaults(spec);
}

