// Types for resource.js.
export interface Cluster {
  scope: string;
  name: string;
  ref: string;
  spec: Record<string, any>;
  config: Record<string, string>;
  own: Record<string, string>;
  image: string;
  replicas: number;
  primaryOrdinal: number;
  storedPrimaryOrdinal: number | undefined;
  user: string;
  db: string;
  port: number;
  pgdata: string;
  replicationUser: string;
  password: string;
  passwordFromHcl: boolean;
  replicationPassword: string;
  exposed: boolean;
  linkedConsumers: string[];
  container(ordinal: number): string;
  host(ordinal: number): string;
  standbys(): number[];
}
export function loadSpec(ctx: { controller: any }, scope: string, name: string): Promise<Record<string, any>>;
export function readReplicas(spec: unknown): number;
export function readOrdinal(value: unknown): number | undefined;
export function readUserDBPort(spec: unknown): { user: string; db: string; port: number };
export { parseList } from './sdk/lists.js';
export function describeCluster(input: { scope: string; name: string; spec: Record<string, any>; config: Record<string, string>; own?: Record<string, string> }): Cluster;
export function loadCluster(ctx: { controller: any }, scope: string, name: string): Promise<Cluster>;
export function requirePassword(cluster: Cluster): string;
export function requireOrdinal(cluster: Cluster, ordinal: number, flag?: string): number;
