// Types for script.js.
import type { Cluster } from '../resource.js';
export interface ScriptOptions {
  ref: string;
  name: string;
  hostPrefix: string;
  suffix: string;
  replicas: number;
  user: string;
  db: string;
  port: number;
  filename?: string;
  ordinal?: number;
  keep: number | null;
  maxAgeS: number | null;
  envOverrides?: boolean;
  dir?: string;
}
export interface BackupManifest {
  kind: string;
  scope: string;
  name: string;
  spec: Record<string, any>;
}
export function shq(s: string): string;
export function dumpScript(o: ScriptOptions): string;
export function captureJob(cluster: Cluster, o: { filename: string; ordinal: number; policy: { keep: number; maxAgeMs: number }; hostDir: string }): BackupManifest;
export function scheduleCronjob(cluster: Cluster, o: { schedule: string; ordinal?: number; keep?: number; maxAgeMs?: number; hostDir: string }): BackupManifest;
export function hclString(s: string): string;
export function cronjobHcl(manifest: BackupManifest, comment?: string[]): string;
