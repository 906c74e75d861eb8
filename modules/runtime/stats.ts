/**
 * One `stats({stream:false})` sample → the numbers `docker stats` prints.
 * The engine fills `precpu_stats` by waiting for a second reading, so one
 * call is enough for a CPU delta.
 */
import type { ContainerStats } from './contract.js';

interface CpuSample {
  cpu_usage?: { total_usage?: number; percpu_usage?: number[] };
  system_cpu_usage?: number;
  online_cpus?: number;
}

interface RawStats {
  read?: string;
  cpu_stats?: CpuSample;
  precpu_stats?: CpuSample;
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
  pids_stats?: { current?: number; limit?: number };
}

export function toContainerStats(raw: unknown): ContainerStats {
  const s = (raw ?? {}) as RawStats;
  const cpu = s.cpu_stats ?? {};
  const pre = s.precpu_stats ?? {};
  const onlineCpus = cpu.online_cpus || cpu.cpu_usage?.percpu_usage?.length || 1;
  const cpuDelta = (cpu.cpu_usage?.total_usage ?? 0) - (pre.cpu_usage?.total_usage ?? 0);
  const systemDelta = (cpu.system_cpu_usage ?? 0) - (pre.system_cpu_usage ?? 0);
  // A stopped container or a first sample has no previous reading: report 0, not NaN.
  const cpuPercent = cpuDelta > 0 && systemDelta > 0 ? (cpuDelta / systemDelta) * onlineCpus * 100 : 0;

  const mem = s.memory_stats ?? {};
  const usage = mem.usage ?? 0;
  // Page cache is reclaimable, so docker leaves it out: cgroup v1 names it total_inactive_file, v2 inactive_file.
  const cache = mem.stats?.['total_inactive_file'] ?? mem.stats?.['inactive_file'] ?? 0;
  return {
    cpuPercent,
    memoryBytes: cache < usage ? usage - cache : usage,
    memoryLimitBytes: mem.limit ?? 0,
    pids: s.pids_stats?.current ?? 0,
    onlineCpus,
    readAt: s.read ?? new Date().toISOString(),
  };
}
