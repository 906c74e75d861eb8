/**
 * Prerequisites of end-to-end tests. A missing Docker engine or etcd binary
 * fails the test loudly, naming the fix: an e2e test that skips proves nothing.
 */
import { execFileSync } from 'node:child_process';

export function which(bin: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v "$1"', 'sh', bin], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export function requireBinary(bin: string, hint = 'run `sudo bash scripts/setup` first'): string {
  const path = which(bin);
  if (!path) throw new Error(`prerequisite missing: \`${bin}\` is not on PATH (${hint})`);
  return path;
}
