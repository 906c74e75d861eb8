/**
 * The runtime spec of one replica: everything `docker
 * run` would get, in the engine API's terms. Pure once the fields are
 * resolved.
 */
import { parseCpu, parseMemoryBytes } from '../../lib/manifest/quantities.js';
import type { ResourcesSpec } from '../../lib/manifest/types.js';
import { VOODU_NETWORK, type ContainerSpec } from '../runtime/contract.js';
import type { EnvSync, ReplicaPlan, Workload } from './contract.js';
import { defaultUlimits } from './host-limits.js';
import type { ResolvedFields } from './interpolate.js';
import { replicaLabels } from './labels.js';


export function buildContainerSpec(w: Workload, fields: ResolvedFields, env: EnvSync, r: ReplicaPlan): ContainerSpec {
  const bridge = w.networkMode === '';
  return {
    name: r.name,
    image: fields.image,
    ...(fields.command ? { command: fields.command } : {}),
    labels: replicaLabels(w, env, r),
    envFiles: env.files,
    env: identityEnv(w, r),
    networkMode: bridge ? 'bridge' : (w.networkMode as 'host' | 'none'),
    // The runtime joins its own network last on its own; naming it here would pin the default.
    ...(bridge ? { networks: w.networks.filter((n) => n !== VOODU_NETWORK), aliases: r.aliases } : {}),
    ...(fields.ports.length ? { ports: fields.ports } : {}),
    volumes: [...fields.volumes, ...(r.extraVolumes ?? [])],
    restart: w.restart as NonNullable<ContainerSpec['restart']>,
    ...resourcesOf(w.resources),
    logs: { maxSize: w.logs.max_size ?? '10m', maxFiles: w.logs.max_files ?? 3 },
    ulimits: ulimitsOf({ ...defaultUlimits(), ...w.ulimits }),
    ...(bridge && w.extraHosts.length ? { extraHosts: w.extraHosts } : {}),
    ...(w.capAdd.length ? { capAdd: w.capAdd } : {}),
    // Docker keeps both on the container: every stop of it (ours, `docker stop`, the daemon's shutdown) honours them.
    ...(w.stopSignal ? { stopSignal: w.stopSignal } : {}),
    ...(w.dnsOptions.length ? { dnsOptions: w.dnsOptions } : {}),
    ...(w.stopGraceSec !== undefined ? { stopTimeoutSec: w.stopGraceSec } : {}),
  };
}

/** Platform identity, the only `-e` a replica gets: config and manifest env live in the files. */
export function identityEnv(w: Workload, r: ReplicaPlan): Record<string, string> {
  return {
    ...(w.ref.scope ? { VOODU_SCOPE: w.ref.scope } : {}),
    VOODU_NAME: w.ref.name,
    VOODU_REPLICA_ID: r.replicaId,
    ...r.identityEnv,
  };
}

export function resourcesOf(resources: ResourcesSpec | undefined): Pick<ContainerSpec, 'cpus' | 'memoryBytes'> {
  const cpu = resources?.limits?.cpu ? parseCpu(resources.limits.cpu) : undefined;
  const memory = resources?.limits?.memory ? parseMemoryBytes(resources.limits.memory) : undefined;
  return {
    ...(cpu ? { cpus: Number(cpu) } : {}),
    ...(memory ? { memoryBytes: memory } : {}),
  };
}

/** `"N"` or `"soft:hard"` (validated at the edge) → the runtime's shape. */
export function ulimitsOf(limits: Record<string, string>): NonNullable<ContainerSpec['ulimits']> {
  const out: NonNullable<ContainerSpec['ulimits']> = {};
  for (const [name, value] of Object.entries(limits)) {
    const [soft, hard] = String(value).split(':');
    const s = Number(soft);
    const h = hard === undefined ? s : Number(hard);
    if (Number.isFinite(s) && Number.isFinite(h)) out[name] = { soft: s, hard: h };
  }
  return out;
}
