// The docker CLI, always with an argv array (never a shell string).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';

// /usr/local/bin/docker may be a newer client than the engine speaks; the distro one matches it.
export const DOCKER = existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';

/** Resolves {code, stdout, stderr}; never rejects on a non-zero exit. */
export function docker(args, { timeoutMs = 120_000 } = {}) {
  return new Promise((resolve, reject) => {
    execFile(DOCKER, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') {
        reject(new Error(`cannot run ${DOCKER}: ${err.message}`));
        return;
      }
      resolve({ code: err ? err.code : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** Like docker() but throws with the command's stderr on failure. */
export async function dockerOk(args, what) {
  const r = await docker(args);
  if (r.code !== 0) throw new Error(`${what}: docker ${args[0]} failed: ${r.stderr.trim() || r.stdout.trim() || `exit ${r.code}`}`);
  return r.stdout;
}
