/**
 * ContainerSpec → the engine's create body. This is the
 * API form of the Go voodu's `docker run` line: same labels, same
 * networks and aliases, same loopback port rule, same resource flags.
 */
import type Docker from 'dockerode';
import { ValidationError } from '../../lib/errors.js';
import type { ContainerSpec } from './contract.js';
import { mergeEnv } from './env-files.js';
import { toEnginePorts } from './ports.js';

export interface CreatePlan {
  options: Docker.ContainerCreateOptions;
  /** Networks joined after create (bridge mode), with `aliases`. */
  extraNetworks: string[];
  aliases: string[];
}

/** The engine's own rule for container names. */
const CONTAINER_NAME = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/**
 * `hostAddress` is the host's address on voodu0: `host.docker.internal`
 * resolves to it, so a pod reaches the pod API (bound there and only there)
 * by either name. Without it, Docker's `host-gateway` (the default bridge).
 */
export async function planContainer(spec: ContainerSpec, vooduNetwork: string, hostAddress?: string): Promise<CreatePlan> {
  validate(spec);
  const mode = spec.networkMode ?? 'bridge';
  const bridge = mode === 'bridge';
  const aliases = bridge ? unique((spec.aliases ?? []).map((a) => a.toLowerCase())) : [];
  // Operator networks first, voodu's own appended last; the first one is the create-time network.
  const networks = bridge ? unique([...(spec.networks ?? []), vooduNetwork]) : [];
  const primary = bridge ? networks[0]! : mode;
  const ports = bridge && spec.ports?.length ? toEnginePorts(spec.ports) : undefined;
  const volumes = splitVolumes(spec.volumes ?? []);
  const logs = logConfig(spec.logs);

  const hostConfig: Docker.HostConfig = {
    NetworkMode: primary,
    ...(bridge && { ExtraHosts: [`host.docker.internal:${hostAddress ?? 'host-gateway'}`, ...(spec.extraHosts ?? [])] }),
    ...(ports && { PortBindings: ports.PortBindings }),
    ...(volumes.binds.length && { Binds: volumes.binds }),
    ...(spec.restart && { RestartPolicy: restartPolicy(spec.restart) }),
    ...(spec.cpus !== undefined && spec.cpus > 0 && { NanoCpus: Math.round(spec.cpus * 1e9) }),
    ...(spec.memoryBytes !== undefined && spec.memoryBytes > 0 && { Memory: Math.floor(spec.memoryBytes) }),
    ...(logs && { LogConfig: logs }),
    ...(spec.ulimits && Object.keys(spec.ulimits).length && { Ulimits: ulimits(spec.ulimits) }),
    ...(spec.capAdd?.length && { CapAdd: [...spec.capAdd] }),
    ...(spec.dnsOptions?.length && { DnsOptions: [...spec.dnsOptions] }),
    ...(spec.init !== undefined && { Init: spec.init }),
  };

  const options: Docker.ContainerCreateOptions = {
    name: spec.name,
    Image: spec.image,
    Labels: labelsOf(spec.labels),
    Env: await mergeEnv(spec.envFiles, spec.env),
    HostConfig: hostConfig,
    ...(spec.command && { Cmd: [...spec.command] }),
    ...(spec.entrypoint && { Entrypoint: [...spec.entrypoint] }),
    ...(ports && { ExposedPorts: ports.ExposedPorts }),
    ...(Object.keys(volumes.anonymous).length && { Volumes: volumes.anonymous }),
    ...(spec.workdir && { WorkingDir: spec.workdir }),
    ...(spec.user && { User: spec.user }),
    ...(spec.tty && { Tty: true }),
    ...(spec.stopSignal && { StopSignal: spec.stopSignal }),
    ...(spec.stopTimeoutSec !== undefined && { StopTimeout: spec.stopTimeoutSec }),
    ...(bridge && {
      NetworkingConfig: { EndpointsConfig: { [primary]: aliases.length ? { Aliases: aliases } : {} } },
    }),
  };
  return { options, extraNetworks: networks.slice(1), aliases };
}

/** `createdby=voodu` always (it is how voodu finds its own), then the caller's labels; empty values are not emitted. */
export function labelsOf(labels: Record<string, string> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) if (v !== '' && v !== undefined && v !== null) out[k] = v;
  out['createdby'] = 'voodu';
  return out;
}

export function restartPolicy(restart: NonNullable<ContainerSpec['restart']>): Docker.HostRestartPolicy {
  const m = /^on-failure(?::(\d+))?$/.exec(restart);
  if (m) return m[1] === undefined ? { Name: 'on-failure' } : { Name: 'on-failure', MaximumRetryCount: Number(m[1]) };
  if (restart === 'no' || restart === 'always' || restart === 'unless-stopped') return { Name: restart };
  throw new ValidationError(
    `restart: ${JSON.stringify(restart)} is not a restart policy; use no, always, unless-stopped, on-failure or on-failure:N`,
    { field: 'restart' },
  );
}

/** The log options pair is sent only when both halves are given, as the reference does. */
function logConfig(logs: ContainerSpec['logs']): Docker.HostConfig['LogConfig'] | undefined {
  if (!logs?.maxSize || !logs.maxFiles || logs.maxFiles <= 0) return undefined;
  return { Type: 'json-file', Config: { 'max-size': logs.maxSize, 'max-file': String(logs.maxFiles) } };
}

function ulimits(limits: NonNullable<ContainerSpec['ulimits']>): Docker.Ulimit[] {
  return Object.keys(limits)
    .sort()
    .map((Name) => {
      const v = limits[Name]!;
      return typeof v === 'number' ? { Name, Soft: v, Hard: v } : { Name, Soft: v.soft, Hard: v.hard };
    });
}

/**
 * `-v` semantics: `src:dst[:mode]` (named volume or host path, the engine
 * tells them apart by the leading `/`) goes to Binds; a lone `/path` is an
 * anonymous volume, which the engine only accepts in Config.Volumes.
 */
function splitVolumes(volumes: readonly string[]): { binds: string[]; anonymous: Record<string, Record<string, never>> } {
  const binds: string[] = [];
  const anonymous: Record<string, Record<string, never>> = {};
  volumes.forEach((v, i) => {
    if (!v || !v.trim()) throw new ValidationError(`volumes[${i}]: empty volume`, { field: `volumes[${i}]` });
    if (v.includes(':')) binds.push(v);
    else anonymous[v] = {};
  });
  return { binds, anonymous };
}

function validate(spec: ContainerSpec): void {
  if (typeof spec.name !== 'string' || !CONTAINER_NAME.test(spec.name)) {
    throw new ValidationError(`name: ${JSON.stringify(spec.name)} is not a valid container name ([a-zA-Z0-9][a-zA-Z0-9_.-]+)`, {
      field: 'name',
    });
  }
  if (typeof spec.image !== 'string' || !spec.image.trim()) {
    throw new ValidationError(`image: container "${spec.name}" needs an image`, { field: 'image' });
  }
  const mode = spec.networkMode ?? 'bridge';
  if (mode !== 'bridge' && mode !== 'host' && mode !== 'none') {
    throw new ValidationError(`networkMode: ${JSON.stringify(mode)} is not bridge, host or none`, { field: 'networkMode' });
  }
  for (const key of Object.keys(spec.env ?? {})) {
    if (!key || key.includes('=')) throw new ValidationError(`env: ${JSON.stringify(key)} is not a valid variable name`, { field: 'env' });
  }
  if (spec.cpus !== undefined && !(Number.isFinite(spec.cpus) && spec.cpus >= 0)) {
    throw new ValidationError(`cpus: ${spec.cpus} is not a CPU count`, { field: 'cpus' });
  }
  if (spec.memoryBytes !== undefined && !(Number.isFinite(spec.memoryBytes) && spec.memoryBytes >= 0)) {
    throw new ValidationError(`memoryBytes: ${spec.memoryBytes} is not a byte count`, { field: 'memoryBytes' });
  }
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}
