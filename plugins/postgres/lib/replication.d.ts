// Types for replication.js.
import type { Cluster } from './resource.js';
export interface Deps {
  docker(args: string[], opts?: { env?: Record<string, string>; timeoutMs?: number; input?: string }): Promise<{ code: number; stdout: string; stderr: string }>;
  sql(cluster: Cluster, ordinal: number, sql: string, opts?: { db?: string; timeoutMs?: number; what?: string }): Promise<string>;
  sleep(ms: number): Promise<void>;
  now(): number;
  progress(line: string): void;
}
export interface ReplicationRow {
  app: string;
  addr: string;
  state: string;
  replay: string;
  lagBytes: number | undefined;
}
export const POD_NETWORK: string;
export const DEFAULT_DATA_MOUNT: string;
export const realDeps: Deps;
export function parseLsn(text: unknown): bigint | undefined;
export function seconds(ms: number): string;
export function dataMount(cluster: Cluster, ordinal: number): { volume: string; mountPath: string; arg: string };
export function podImage(cluster: Cluster): string;
export function containerState(deps: Deps, name: string): Promise<{ exists: boolean; running: boolean; status: string }>;
export function volumeExists(deps: Deps, volume: string): Promise<boolean>;
export function onVolume(
  deps: Deps,
  cluster: Cluster,
  ordinal: number,
  argv: string[],
  opts?: { network?: boolean; env?: Record<string, string>; volumesFrom?: string; timeoutMs?: number },
): Promise<{ code: number; stdout: string; stderr: string }>;
export function controlData(deps: Deps, cluster: Cluster, ordinal: number): Promise<{ state: string; checkpoint: string; timeline: number | undefined }>;
export function parseControlData(text: string): { state: string; checkpoint: string; timeline: number | undefined };
export function applicationName(cluster: Cluster, ordinal: number): string;
export function replicationRows(deps: Deps, cluster: Cluster, upstream: number): Promise<ReplicationRow[]>;
export function parseReplicationRows(text: string): ReplicationRow[];
export function podAddresses(deps: Deps, container: string): Promise<string[]>;
export function rowOf(rows: ReplicationRow[], cluster: Cluster, ordinal: number, addresses?: string[]): ReplicationRow | undefined;
export function waitStreaming(deps: Deps, cluster: Cluster, upstream: number, ordinal: number, opts?: { timeoutMs?: number; every?: number }): Promise<ReplicationRow>;
export function replayLsn(deps: Deps, cluster: Cluster, ordinal: number): Promise<bigint | undefined>;
export function inRecovery(deps: Deps, cluster: Cluster, ordinal: number): Promise<boolean>;
export function dockerWords(r: { code: number; stdout: string; stderr: string }): string;
