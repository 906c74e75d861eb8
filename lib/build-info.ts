/**
 * Version and commit of this build. `npm run build` stamps the commit into
 * dist/build-info.json; running from a checkout reads it from git instead.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BuildInfo {
  version: string;
  commit: string;
  builtAt: string;
}

let cached: BuildInfo | undefined;

export function buildInfo(): BuildInfo {
  if (cached) return cached;
  // This file lives in `dist/lib/` when built and in `lib/` when run from source.
  const here = dirname(fileURLToPath(import.meta.url));
  const built = here.endsWith(join('dist', 'lib'));
  const root = built ? join(here, '..', '..') : join(here, '..');
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  let stamped: Partial<BuildInfo> = {};
  if (built) {
    try {
      stamped = JSON.parse(readFileSync(join(root, 'dist', 'build-info.json'), 'utf8')) as Partial<BuildInfo>;
    } catch {
      // Built without the stamp step: fall back to git below.
    }
  }
  // Source runs ask git, so a stale dist/ never speaks for the code that is running.
  let commit = stamped.commit;
  if (!commit) {
    try {
      commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      commit = 'unknown';
    }
  }
  cached = { version: pkg.version, commit, builtAt: stamped.builtAt ?? '' };
  return cached;
}

/** `0.1.0 (commit: abc123def456)` — the form /health and `voodu version` print. */
export function versionString(): string {
  const { version, commit } = buildInfo();
  return `${version} (commit: ${commit})`;
}
