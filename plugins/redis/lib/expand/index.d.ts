// Types for index.js.
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
export function appendonlyOf(spec: Record<string, unknown>): boolean;
export function expandRequest(req: ExpandRequest, opts: { pluginDir: string }): Expansion;
export function expand(text: string, opts: { pluginDir: string }): Promise<Expansion>;
