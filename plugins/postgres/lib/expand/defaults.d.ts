// Types for defaults.js.
import type { PgSpec } from './spec.js';
export function assetRef(scope: string, name: string, file: string): string;
export function publishedPorts(port: number, exposed: boolean): string[];
export function readinessProbe(user: string, db: string, port: number): Record<string, any>;
export function composeDefaults(input: {
  scope: string;
  name: string;
  pg: PgSpec;
  password?: string;
  exposed?: boolean;
  env?: Record<string, string | undefined>;
}): Record<string, any>;
