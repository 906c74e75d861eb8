/**
 * The `runtime` service: Docker, spoken in voodu terms.
 * Modules describe what a container should be; the runtime owns how that
 * becomes an engine call. Nothing here shells out to the docker CLI.
 */
import type { Readable, Duplex } from 'node:stream';

/** The network every voodu container joins (bridge), created on first need. */
export const VOODU_NETWORK = 'voodu0';

export interface ContainerSpec {
  name: string;
  image: string;
  /** Overrides the image's CMD. */
  command?: string[];
  entrypoint?: string[];
  /** Added to `createdby=voodu`. Empty values are dropped. */
  labels?: Record<string, string>;
  /** Env files read in order (missing ones skipped), then `env` on top. */
  envFiles?: string[];
  env?: Record<string, string>;
  /** `bridge` (default: voodu0 plus `networks`), `host` or `none`. */
  networkMode?: 'bridge' | 'host' | 'none';
  /** Extra operator networks, attached with the same aliases. voodu0 is always added in bridge mode. */
  networks?: string[];
  /** DNS aliases on every bridge network (lowercased). */
  aliases?: string[];
  /** `80`, `3000:80`, `0.0.0.0:3000:80/udp` — a port without an address is bound on 127.0.0.1 (docs/kinds.md, `ports`). */
  ports?: string[];
  /** `name:/path[:ro]` (named volume) or `/host/path:/path[:ro]` (bind). */
  volumes?: string[];
  workdir?: string;
  user?: string;
  restart?: 'no' | 'always' | 'unless-stopped' | 'on-failure' | `on-failure:${number}`;
  /** CPUs as docker's --cpus (`0.5`, `2`). */
  cpus?: number;
  memoryBytes?: number;
  logs?: { maxSize?: string; maxFiles?: number };
  ulimits?: Record<string, number | { soft: number; hard: number }>;
  /** `host:ip` entries after the always-present `host.docker.internal` (the host's address on voodu0). */
  extraHosts?: string[];
  capAdd?: string[];
  tty?: boolean;
  /** Run an init (tini) as PID 1 so signals reach the process. */
  init?: boolean;
  stopSignal?: string;
  stopTimeoutSec?: number;
  /** resolv.conf options (`--dns-opt`). */
  dnsOptions?: string[];
  /** Create but do not start. */
  noStart?: boolean;
}

export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface ContainerSummary {
  id: string;
  name: string;
  image: string;
  imageId: string;
  state: ContainerState;
  /** Docker's human status (`Up 3 minutes`, `Exited (0) 2 seconds ago`). */
  status: string;
  labels: Record<string, string>;
  createdAt: string;
}

export interface ContainerDetails extends ContainerSummary {
  running: boolean;
  exitCode: number;
  startedAt: string;
  finishedAt: string;
  restartCount: number;
  env: string[];
  networks: Record<string, { aliases: string[]; ipAddress: string }>;
  mounts: { type: string; source: string; destination: string; name?: string }[];
  /** `container port/proto` → host bindings. */
  ports: Record<string, { hostIp: string; hostPort: string }[]>;
}

export interface NetworkInfo {
  /** The host's IPv4 address on the network. */
  gateway?: string;
  containers: { name: string; ipv4: string }[];
}

export interface VolumeInfo {
  name: string;
  labels: Record<string, string>;
  mountpoint: string;
  createdAt: string;
}

export interface LogOptions {
  follow?: boolean;
  /** Last N lines; omitted = all. */
  tail?: number;
  /** Unix seconds or RFC 3339. */
  since?: string | number;
  timestamps?: boolean;
}

/** A container's output, split back into its two streams. */
export interface LogStream {
  stdout: Readable;
  stderr: Readable;
  /** Stop following and release the connection. */
  close(): void;
  /** Resolves when the log ends (container gone, follow stopped, or not following). */
  done: Promise<void>;
}

export interface ExecOptions {
  cmd: string[];
  env?: Record<string, string>;
  workdir?: string;
  user?: string;
  tty?: boolean;
  /** Bytes written to the process's stdin, then EOF. */
  stdin?: string | Buffer;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface ExecSession {
  /** Raw duplex: write = stdin, read = output (demultiplex with `demux` unless tty). */
  stream: Duplex;
  /** Resolves with the exit code once the process ends. */
  exitCode(): Promise<number>;
  resize?(cols: number, rows: number): Promise<void>;
}

export interface ContainerStats {
  /** docker's formula: (Δcpu / Δsystem) × online CPUs × 100; 100 = one core busy. */
  cpuPercent: number;
  /** Usage minus page cache, as `docker stats` shows. */
  memoryBytes: number;
  memoryLimitBytes: number;
  /** Processes and threads in the container's cgroup (`pids_stats.current`); 0 when the engine does not say. */
  pids: number;
  onlineCpus: number;
  readAt: string;
}

export interface RuntimeEvent {
  /** `create`, `start`, `die`, `stop`, `destroy`, `kill`, `oom`, … (exec events trimmed to `exec_start` etc.) */
  action: string;
  containerId: string;
  name: string;
  labels: Record<string, string>;
  /** Exit code on `die`. */
  exitCode?: number;
  /** When the engine saw it, ms since the epoch. */
  time: number;
}

export interface ImageBuildOptions {
  /** `repo:tag` names of the result; the build is tagged with the first, the others are added after. */
  tags: string[];
  /** The Dockerfile's path inside the context (default `Dockerfile`). */
  dockerfile?: string;
  /** The multi-stage target to stop at. */
  target?: string;
  /** `ARG` values. */
  args?: Record<string, string>;
  labels?: Record<string, string>;
  /** Cancels the build (the engine stops when its client goes). */
  signal?: AbortSignal;
}

export interface WaitOptions {
  /** `not-running` (default, `docker wait`) or `next-exit`. */
  condition?: 'not-running' | 'next-exit';
}

export interface Subscription {
  close(): void;
}

export interface Runtime {
  /** Engine reachable? Throws a clear error naming the socket when not. */
  ping(): Promise<void>;
  ensureNetwork(name?: string): Promise<void>;
  /** A bridge network (default voodu0): the host's address on it (where containers reach the host) and its members. */
  inspectNetwork(name?: string): Promise<NetworkInfo | undefined>;
  /** Make sure `image` exists locally; pulls only when missing; the error says what to do when neither works. */
  ensureImage(image: string): Promise<{ id: string; pulled: boolean }>;
  imageId(image: string): Promise<string | undefined>;
  /**
   * Builds `context` (a tar stream, read as it comes) into an image tagged
   * `options.tags`; every line of the build log goes to `onLine` as it
   * arrives. A failed step throws an error naming it, with the log's tail.
   */
  buildImage(context: Readable, options: ImageBuildOptions, onLine: (line: string) => void): Promise<{ imageId: string }>;
  /** The tags of `repo` on this host (`repo:<tag>` → image id). */
  imageTags(repo: string): Promise<{ tag: string; id: string }[]>;
  /**
   * Removes one tag (and the image when no other tag or container holds it). Idempotent; an image a
   * container uses stays, unless `force` (then only its name goes, the layers with the last container).
   */
  untagImage(image: string, options?: { force?: boolean }): Promise<void>;

  /** Create and start. On any failure nothing is left behind. */
  run(spec: ContainerSpec): Promise<ContainerDetails>;
  /** Containers whose labels include every given pair (`key` alone = label present), running and stopped. */
  list(labels: Record<string, string | true>, options?: { all?: boolean }): Promise<ContainerSummary[]>;
  /** Undefined when the container does not exist. */
  inspect(idOrName: string): Promise<ContainerDetails | undefined>;
  start(idOrName: string): Promise<void>;
  stop(idOrName: string, options?: { timeoutSec?: number }): Promise<void>;
  /** Idempotent: removing a missing container is not an error. */
  remove(idOrName: string, options?: { force?: boolean; volumes?: boolean }): Promise<void>;
  /**
   * Resolves with the exit code once the container is not running (at once
   * if it already exited, as `docker wait`); `next-exit` waits for the next
   * exit instead, for a caller that wants to start it afterwards.
   */
  wait(idOrName: string, options?: WaitOptions): Promise<number>;
  updateRestartPolicy(idOrName: string, restart: NonNullable<ContainerSpec['restart']>): Promise<void>;
  /**
   * Leaves every network (or only `network`): the engine's DNS stops
   * answering with the container at once while its process keeps running,
   * which is how a replica is drained before it is stopped. Idempotent.
   */
  disconnect(idOrName: string, network?: string): Promise<void>;

  createVolume(name: string, labels: Record<string, string>): Promise<VolumeInfo>;
  listVolumes(labels: Record<string, string | true>): Promise<VolumeInfo[]>;
  /** Idempotent. */
  removeVolume(name: string): Promise<void>;

  logs(idOrName: string, options?: LogOptions): Promise<LogStream>;
  /** Run to completion and collect output. */
  exec(idOrName: string, options: ExecOptions): Promise<ExecResult>;
  /** Interactive exec: the caller drives the stream. */
  execSession(idOrName: string, options: Omit<ExecOptions, 'stdin'> & { stdin?: boolean }): Promise<ExecSession>;
  /** One sample; takes about a second (the engine waits for a second reading). */
  stats(idOrName: string): Promise<ContainerStats>;
  /** Engine events for voodu's containers (label createdby=voodu) only. */
  events(onEvent: (event: RuntimeEvent) => void, onError?: (err: Error) => void): Promise<Subscription>;
}

declare module '../../kernel/services.js' {
  interface ServiceMap {
    runtime: Runtime;
  }
}
