/**
 * Controller defaults of a workload (the reference's `applyDeploymentSpecDefaults`):
 * what the parser leaves open and the reconciler must pin before it can
 * hash or run anything. Pure.
 */
import { buildImageRef } from '../../lib/resource-names.js';
import { ValidationError } from '../../lib/errors.js';
import { appId, formatRef, type ResourceRef } from '../../lib/identity.js';
import type { InitSpec, VolumeClaim } from '../../lib/manifest/types.js';
import { parseDurationMs } from '../../lib/manifest/durations.js';
import type { DeploymentSpec } from '../deployment/spec.js';
import type { StatefulsetSpec } from '../statefulset/spec.js';
import { VOODU_NETWORK } from '../runtime/contract.js';
import type { Workload, WorkloadKind } from './contract.js';

const MODES = new Set(['', 'host', 'none']);

export function applyDefaults(kind: WorkloadKind, ref: ResourceRef, raw: Record<string, unknown>): Workload {
  const where = formatRef({ ...ref, kind });
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ValidationError(`${where}: spec must be an object`, { field: 'spec' });
  }
  const spec = raw as DeploymentSpec & StatefulsetSpec;
  const id = appId(ref.scope, ref.name);

  const mode = spec.network_mode ?? '';
  if (!MODES.has(mode)) {
    throw new ValidationError(`${where}: network_mode ${JSON.stringify(mode)} is not supported; use "host" or "none", or leave it out for the voodu0 bridge`, {
      field: 'spec.network_mode',
    });
  }
  const asked = spec.networks?.length ? [...spec.networks] : spec.network ? [spec.network] : [];
  if (mode && asked.length) {
    throw new ValidationError(`${where}: network_mode "${mode}" cannot be combined with network/networks; remove one of them`, {
      field: 'spec.network_mode',
    });
  }
  const networks = mode ? [] : asked.includes(VOODU_NETWORK) ? asked : [...asked, VOODU_NETWORK];

  let replicas = typeof spec.replicas === 'number' ? Math.floor(spec.replicas) : 0;
  if (replicas < 1) replicas = kind === 'deployment' && spec.autoscale?.min ? spec.autoscale.min : 1;

  return {
    kind,
    ref: { kind, scope: ref.scope, name: ref.name },
    appId: id,
    // Build mode runs the build the CLI stamped (`build.id`), `<appId>:latest` before any build; statefulsets as well.
    image: spec.image || buildImageRef(id, spec.build?.id || 'latest'),
    ...(spec.command?.length ? { command: [...spec.command] } : {}),
    env: stringEnv(spec.env),
    envFrom: [...(spec.env_from ?? [])],
    ports: [...(spec.ports ?? [])],
    volumes: [...(spec.volumes ?? [])],
    networks,
    networkMode: mode as Workload['networkMode'],
    // Run-once containers never restart (jobs leave docker's default `no`).
    restart: kind === 'job' ? 'no' : spec.restart || 'unless-stopped',
    replicas,
    extraHosts: [...(spec.extra_hosts ?? [])],
    capAdd: [...(spec.cap_add ?? [])],
    ulimits: { ...(spec.ulimits ?? {}) },
    dockerOptions: [...(spec.docker_options ?? [])],
    dnsOptions: [...(spec.dns_options ?? [])],
    ...(spec.stop_grace_period ? { stopGraceSec: Math.ceil((parseDurationMs(spec.stop_grace_period) ?? 10_000) / 1000) } : {}),
    ...(spec.stop_signal ? { stopSignal: spec.stop_signal.startsWith('SIG') || /^\d+$/.test(spec.stop_signal) ? spec.stop_signal : `SIG${spec.stop_signal}` } : {}),
    ...(spec.resources ? { resources: spec.resources } : {}),
    logs: {
      max_size: spec.logs?.max_size || '10m',
      max_files: spec.logs?.max_files && spec.logs.max_files > 0 ? spec.logs.max_files : 3,
    },
    ...(spec.probes && Object.keys(spec.probes).length ? { probes: spec.probes } : {}),
    inits: (spec.inits ?? []) as InitSpec[],
    ...(kind === 'deployment' && spec.autoscale ? { autoscale: spec.autoscale } : {}),
    volumeClaims: kind === 'statefulset' ? ((spec.volume_claims ?? []) as VolumeClaim[]) : [],
    ...(spec.build?.args && Object.keys(spec.build.args).length ? { buildArgs: { ...spec.build.args } } : {}),
    ...(spec._asset_digests ? { assetDigests: { ...spec._asset_digests } } : {}),
    // A block with no command has nothing to run: `/releases/run` refuses it, so it must gate nothing.
    hasReleaseBlock: kind === 'deployment' && !!(spec.release?.pre_command?.length || spec.release?.command?.length || spec.release?.post_command?.length),
    rawSpec: raw,
  };
}

/** HCL hands numbers and booleans in `env`; anything else has no env spelling and is dropped. */
function stringEnv(env: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof env !== 'object' || env === null) return out;
  for (const [k, v] of Object.entries(env)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
  }
  return out;
}
