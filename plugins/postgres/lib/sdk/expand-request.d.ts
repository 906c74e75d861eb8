// Types for expand-request.js.
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
/** What an expand answers: the data of the ok envelope. */
export interface Expansion {
  manifests: Manifest[];
  actions: Record<string, any>[];
}
export function parseExpandRequest(text: string, kind: string, opts?: { defaultKind?: string }): ExpandRequest;
