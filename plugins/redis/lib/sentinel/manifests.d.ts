// Types for manifests.js.
import type { Manifest } from '../expand/index.js';
type Ref = { scope: string; name: string };
type Req = { scope?: string; name: string; config?: Record<string, string> };
export const SENTINEL_DEFAULT_IMAGE: string;
export function composeSentinelDefaults(scope: string, name: string): Record<string, any>;
export function sentinelReplicas(spec: Record<string, unknown> | undefined): number;
export function sentinelPodEnv(monitor: Ref, replicas: number): Record<string, string>;
export function mergeEnvFrom(operator: unknown, monitorRef: string): string[];
export function sentinelManifests(req: Req, monitor: Ref, spec: Record<string, unknown>): Manifest[];
export function sentinelDefensiveUnsets(req: Req): Record<string, any>[];
