// Types for index.js.
import type { ExpandRequest, Expansion } from '../sdk/expand-request.js';
export type { ExpandRequest, Expansion, Manifest } from '../sdk/expand-request.js';
export function parseRequest(text: string): ExpandRequest;
export function appendonlyOf(spec: Record<string, unknown>): boolean;
export function expandRequest(req: ExpandRequest, opts: { pluginDir: string }): Expansion;
export function expand(text: string, opts: { pluginDir: string }): Promise<Expansion>;
