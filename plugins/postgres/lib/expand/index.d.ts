// Types for index.js.
import type { PgSpec } from './spec.js';
export interface ExpandRequest {
  kind?: string;
  scope: string;
  name: string;
  spec: Record<string, any>;
  config: Record<string, string>;
}
export interface Manifest {
  kind: string;
  scope: string;
  name: string;
  spec: Record<string, any>;
}
export interface Expansion {
  manifests: Manifest[];
  actions: Record<string, any>[];
}
export function parseRequest(text: string): ExpandRequest;
export function checkTopology(req: { scope: string; name: string; config: Record<string, string> }, pg: Pick<PgSpec, 'replicas'>): void;
export function expandRequest(req: ExpandRequest, opts?: { env?: Record<string, string | undefined> }): Expansion;
export function expand(text: string, opts?: { env?: Record<string, string | undefined> }): Promise<Expansion>;
export function defaults(): { spec: Omit<PgSpec, 'password'>; plugin_owned: string[] };
