// Types for index.js.
import type { ExpandRequest, Expansion } from '../sdk/expand-request.js';
import type { PgSpec } from './spec.js';
export type { ExpandRequest, Expansion, Manifest } from '../sdk/expand-request.js';
export function parseRequest(text: string): ExpandRequest;
export function checkTopology(req: { scope: string; name: string; config: Record<string, string> }, pg: Pick<PgSpec, 'replicas'>): void;
export function expandRequest(req: ExpandRequest, opts?: { env?: Record<string, string | undefined> }): Expansion;
export function expand(text: string, opts?: { env?: Record<string, string | undefined> }): Promise<Expansion>;
export function defaults(): { spec: Omit<PgSpec, 'password'>; plugin_owned: string[] };
