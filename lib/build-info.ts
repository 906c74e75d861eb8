/**
 * Version and commit of this build. `npm run build` stamps the commit into
 * dist/build-info.json; running from a checkout reads it from git instead.
 */
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BuildInfo {
  version: string;
  commit: string;
  builtAt: string;
}

let cached: BuildInfo | undefined;

export function buildInfo(): BuildInfo {
  if (cached) return cached;
  // This code runs from `lib/` (source), `dist/lib/` (the controller's build)
  // or `dist/bin/` (the CLI's bundle): the project root is the nearest
  // directory up with a package.json, and it is a build when that is under dist/.
  const here = dirname(fileURLToPath(import.meta.url));
  const root = projectRoot(here);
  const built = (here + sep).startsWith(join(root, 'dist') + sep);
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
      // child_process only here, off a built CLI's start-up path (a build is stamped).
      const { execFileSync } = createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process');
      commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      commit = 'unknown';
    }
  }
  cached = { version: pkg.version, commit, builtAt: stamped.builtAt ?? '' };
  return cached;
}

function projectRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}: this voodu install is incomplete`);
  }
}

/** `0.1.0 (commit: abc123def456)` — the form /health and `voodu version` print. */
export function versionString(): string {
  const { version, commit } = buildInfo();
  return `${version} (commit: ${commit})`;
}
