/**
 * The engine's container and volume records → the contract's shapes. One
 * place decides what "name", "status" and "ports" mean, so list and
 * inspect never disagree.
 */
import type Docker from 'dockerode';
import type { ContainerDetails, ContainerState, ContainerSummary, VolumeInfo } from './contract.js';

const ZERO_TIME = '0001-01-01T00:00:00Z';

export function summaryOf(info: Docker.ContainerInfo): ContainerSummary {
  return {
    id: info.Id,
    name: (info.Names?.[0] ?? '').replace(/^\//, ''),
    image: info.Image,
    imageId: info.ImageID,
    state: info.State as ContainerState,
    status: info.Status,
    labels: info.Labels ?? {},
    createdAt: new Date(info.Created * 1000).toISOString(),
  };
}

export function detailsOf(info: Docker.ContainerInspectInfo, now = Date.now()): ContainerDetails {
  const state = info.State;
  return {
    id: info.Id,
    name: info.Name.replace(/^\//, ''),
    image: info.Config.Image,
    imageId: info.Image,
    state: state.Status as ContainerState,
    status: humanStatus(state, now),
    labels: info.Config.Labels ?? {},
    createdAt: info.Created,
    running: state.Running,
    exitCode: state.ExitCode,
    startedAt: state.StartedAt,
    finishedAt: state.FinishedAt,
    restartCount: info.RestartCount,
    env: info.Config.Env ?? [],
    networks: Object.fromEntries(
      Object.entries(info.NetworkSettings.Networks ?? {}).map(([name, n]) => [
        name,
        { aliases: Array.isArray(n.Aliases) ? (n.Aliases as string[]) : [], ipAddress: n.IPAddress ?? '' },
      ]),
    ),
    mounts: (info.Mounts ?? []).map((m) => ({
      type: m.Type,
      source: m.Source,
      destination: m.Destination,
      ...(m.Name && { name: m.Name }),
    })),
    ports: portsOf(info),
  };
}

/**
 * Actual bindings once running (ephemeral host ports are known only then);
 * before that, what was asked for.
 */
function portsOf(info: Docker.ContainerInspectInfo): ContainerDetails['ports'] {
  const live = info.NetworkSettings.Ports as Record<string, { HostIp: string; HostPort: string }[] | null> | null;
  const asked = info.HostConfig.PortBindings as Record<string, { HostIp: string; HostPort: string }[] | null> | undefined;
  const source = info.State.Running && live && Object.keys(live).length ? live : (asked ?? {});
  return Object.fromEntries(
    Object.entries(source).map(([port, bindings]) => [
      port,
      (bindings ?? []).map((b) => ({ hostIp: b.HostIp ?? '', hostPort: b.HostPort ?? '' })),
    ]),
  );
}

export function volumeOf(v: Docker.VolumeInspectInfo & { CreatedAt?: string }): VolumeInfo {
  return { name: v.Name, labels: v.Labels ?? {}, mountpoint: v.Mountpoint, createdAt: v.CreatedAt ?? '' };
}

/** Docker's own status sentence (`Up 3 minutes`, `Exited (0) 2 seconds ago`), as `docker ps` prints it. */
export function humanStatus(state: Docker.ContainerInspectInfo['State'], now = Date.now()): string {
  const since = (t: string) => humanDuration(now - Date.parse(t));
  if (state.Running) {
    if (state.Paused) return `Up ${since(state.StartedAt)} (Paused)`;
    if (state.Restarting) return `Restarting (${state.ExitCode}) ${since(state.FinishedAt)} ago`;
    const health = state.Health?.Status && state.Health.Status !== 'none' ? ` (${state.Health.Status})` : '';
    return `Up ${since(state.StartedAt)}${health}`;
  }
  if (state.Status === 'removing') return 'Removal In Progress';
  if (state.Dead) return 'Dead';
  if (!state.StartedAt || state.StartedAt === ZERO_TIME) return 'Created';
  if (!state.FinishedAt || state.FinishedAt === ZERO_TIME) return '';
  return `Exited (${state.ExitCode}) ${since(state.FinishedAt)} ago`;
}

/** go-units HumanDuration, which `docker ps` uses. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(seconds / 60);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.floor(ms / 3_600_000 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(ms / 3_600_000 / 24 / 365)} years`;
}
