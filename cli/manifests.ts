/**
 * Loads the manifests named by `-f` for a verb. The HCL pipeline (and its
 * heavy parser) is imported only here, only when a verb needs it.
 */
import { readFile } from 'node:fs/promises';
import type { Manifest } from '../lib/identity.js';
import { CliError, type ControllerClient } from './client.js';
import type { LoadedManifest } from './hcl/load.js';

export interface FileOptions {
  file?: unknown;
  format?: unknown;
}

export function fileList(value: unknown): string[] {
  if (value === undefined || value === true) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

export async function loadFromFlags(opts: FileOptions, client: ControllerClient, env: NodeJS.ProcessEnv): Promise<Manifest[]> {
  return (await loadWithSources(opts, client, env)).map((l) => l.manifest);
}

/** The manifests with where each came from: its `file:line` and the directory its relative paths start from. */
export async function loadWithSources(opts: FileOptions, client: ControllerClient, env: NodeJS.ProcessEnv): Promise<LoadedManifest[]> {
  const files = fileList(opts.file);
  if (files.length === 0) throw new CliError('no manifests given; pass -f FILE (a file, a directory, or - for stdin with --format hcl|json)');
  const format = opts.format === undefined ? undefined : String(opts.format);
  if (format !== undefined && format !== 'hcl' && format !== 'json') throw new CliError(`--format: "${format}" is not a format; use hcl or json`);
  const stdin = files.includes('-') ? await readStdin() : undefined;
  const { loadManifests } = await import('./hcl/index.js');
  const loaded = await loadManifests({
    files,
    ...(format ? { format } : {}),
    ...(stdin !== undefined ? { stdin } : {}),
    cwd: process.cwd(),
    env,
    fetchBucket: async (scope: string, name?: string) =>
      ((await client.data<{ vars?: Record<string, string> }>('GET', '/config', { query: { scope, name } }))?.vars ?? {}),
  });
  return loaded;
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new CliError('-f - reads manifests from stdin, but stdin is a terminal; pipe them in');
  return readFile('/dev/stdin', 'utf8');
}
