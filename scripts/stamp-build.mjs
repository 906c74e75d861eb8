// Records the commit a build was made from, so /health and `voodu version`
// can name it even where no git checkout is around (an installed package).
import { execFileSync } from 'node:child_process';
import { writeFileSync, chmodSync, existsSync } from 'node:fs';

let commit = 'unknown';
try {
  commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim();
  if (dirty) commit += '-dirty';
} catch {
  // Building from a tarball without git: the version alone identifies it.
}
writeFileSync('dist/build-info.json', JSON.stringify({ commit, builtAt: new Date().toISOString() }, null, 2) + '\n');
for (const bin of ['dist/bin/voodu.js', 'dist/bin/voodu-controller.js']) {
  if (existsSync(bin)) chmodSync(bin, 0o755);
}
console.log(`stamped build: commit ${commit}`);
