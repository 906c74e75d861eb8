/**
 * `GET /stats`: one docker stats sample per running pod, joined with the
 * limits its manifest asks for (`voodu stats`). A sample takes about a
 * second (the engine waits for a second reading), so they run in parallel.
 * A pod whose manifest is gone is an orphan, listed only when asked for.
 */
import { messageOf } from '../../lib/errors.js';
import { formatRef, keys, type Manifest, type ResourceRef } from '../../lib/identity.js';
import { parseCpu, parseMemoryBytes } from '../../lib/manifest/index.js';
import type { ContainerStats, Runtime } from '../runtime/contract.js';
import type { Store } from '../store/contract.js';
import type { Pod, PodFilter, Pods } from './contract.js';
import { mapLimit } from './listing.js';

const PARALLEL = 32;

export interface PodStats {
  identity: { kind: string; scope: string; name: string; replica_id: string };
  container_name: string;
  usage: {
    cpu_percent: number;
    memory_usage_bytes: number;
    memory_limit_bytes: number;
    memory_percent: number;
    /** Processes and threads running in the pod. */
    pids: number;
  };
  limits: { cpu?: string; memory?: string; memory_bytes?: number };
  orphan: boolean;
}

export interface StatsAnswer {
  pods: PodStats[];
  /** Pods whose sample failed for another reason than having stopped meanwhile. */
  errors?: { container_name: string; error: string }[];
}

interface Deps {
  runtime: Runtime;
  store: Store;
  pods: Pods;
}

export async function collectStats(deps: Deps, filter: PodFilter, orphans: boolean): Promise<StatsAnswer> {
  const running = (await deps.pods.list(filter)).filter((p) => p.state === 'running');
  // Legacy containers (no voodu.kind) have no manifest to join: they count as orphans.
  const wanted = running.filter((p) => orphans || !(p.orphan || p.kind === ''));
  const limits = await limitsByResource(deps.store, wanted);
  const errors: NonNullable<StatsAnswer['errors']> = [];
  const samples = await mapLimit(wanted, PARALLEL, async (pod) => {
    try {
      return await deps.runtime.stats(pod.id);
    } catch (err) {
      // Stopped or removed since the listing: simply no longer running.
      if (!(await isRunning(deps.runtime, pod.id))) return undefined;
      errors.push({ container_name: pod.name, error: messageOf(err) });
      return undefined;
    }
  });
  const pods: PodStats[] = [];
  wanted.forEach((pod, i) => {
    const s = samples[i];
    if (s) pods.push(statsOf(pod, s, limits.get(resourceId(pod)) ?? {}));
  });
  return { pods, ...(errors.length && { errors }) };
}

async function isRunning(runtime: Runtime, id: string): Promise<boolean> {
  return (await runtime.inspect(id).catch(() => undefined))?.running === true;
}

const resourceId = (p: Pod) => formatRef({ kind: p.kind, scope: p.scope, name: p.resource });
const round2 = (n: number) => Math.round(n * 100) / 100;

function statsOf(pod: Pod, s: ContainerStats, limits: PodStats['limits']): PodStats {
  return {
    identity: { kind: pod.kind, scope: pod.scope, name: pod.resource, replica_id: pod.replica_id },
    container_name: pod.name,
    usage: {
      cpu_percent: round2(s.cpuPercent),
      memory_usage_bytes: s.memoryBytes,
      memory_limit_bytes: s.memoryLimitBytes,
      memory_percent: s.memoryLimitBytes > 0 ? round2((s.memoryBytes / s.memoryLimitBytes) * 100) : 0,
      pids: s.pids,
    },
    limits,
    orphan: pod.orphan || pod.kind === '',
  };
}

/** `spec.resources.limits` of each pod's labelled resource, read once per resource. */
async function limitsByResource(store: Store, pods: Pod[]): Promise<Map<string, PodStats['limits']>> {
  const refs = new Map<string, ResourceRef>();
  for (const p of pods) if (p.kind) refs.set(resourceId(p), { kind: p.kind, scope: p.scope, name: p.resource });
  const entries = await mapLimit([...refs.entries()], 8, async ([id, ref]) => {
    const m = await store.getJSON<Manifest>(keys.desired(ref)).catch(() => undefined);
    return [id, limitsOf(m)] as const;
  });
  return new Map(entries);
}

function limitsOf(m: Manifest | undefined): PodStats['limits'] {
  const raw = (m?.spec as { resources?: { limits?: { cpu?: unknown; memory?: unknown } } } | undefined)?.resources?.limits;
  const out: PodStats['limits'] = {};
  if (typeof raw?.cpu === 'string' && raw.cpu) {
    const cpu = parseCpu(raw.cpu);
    if (cpu) out.cpu = cpu;
  }
  if (typeof raw?.memory === 'string' && raw.memory) {
    out.memory = raw.memory;
    const bytes = parseMemoryBytes(raw.memory);
    if (bytes) out.memory_bytes = bytes;
  }
  return out;
}
