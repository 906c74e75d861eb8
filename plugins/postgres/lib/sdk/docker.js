// The docker CLI, always as an argv array (never a shell string), for the
// commands that reach into pods: backup, restore, failover and cli. A
// secret never goes in that argv (`ps` shows it to every user): it rides in
// the docker process's environment and `docker exec -e NAME` (the name
// alone) hands it on to the command in the container.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * The docker client: $VOODU_DOCKER, else the distro's /usr/bin/docker (a
 * /usr/local/bin one may be newer than the engine speaks), else PATH's.
 */
export function dockerBin(env = process.env) {
  if (env.VOODU_DOCKER) return env.VOODU_DOCKER;
  return existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';
}

const MAX_OUTPUT = 64 * 1024 * 1024;

/**
 * Runs docker; resolves {code, stdout, stderr} and rejects only when the
 * client cannot be run at all.
 * @param {string[]} args
 * @param {{env?: Record<string, string>, timeoutMs?: number, input?: string}} [opts] `env` is added to this process's
 */
export function docker(args, opts = {}) {
  const bin = dockerBin();
  return new Promise((resolve, reject) => {
    const child = execFile(
      bin,
      args,
      { timeout: opts.timeoutMs ?? 30_000, maxBuffer: MAX_OUTPUT, env: { ...process.env, ...opts.env }, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number' && !err.killed) {
          reject(new Error(`cannot run ${bin}: ${err.message}`));
          return;
        }
        const code = err ? (typeof err.code === 'number' ? err.code : 124) : 0;
        resolve({ code, stdout: String(stdout), stderr: err?.killed ? `${stderr}\n(timed out after ${Math.round((opts.timeoutMs ?? 30_000) / 1000)} s)` : String(stderr) });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** Like docker(), but a non-zero exit throws `<what>: <docker's own words>`. Resolves stdout. */
export async function dockerOk(args, what, opts = {}) {
  const r = await docker(args, opts);
  if (r.code !== 0) throw new Error(`${what}: ${(r.stderr.trim() || r.stdout.trim() || `docker ${args[0]} exited ${r.code}`).split('\n').slice(-3).join(' ')}`);
  return r.stdout;
}

/**
 * A container's state, or undefined when there is no such container.
 * @returns {Promise<{running: boolean, status: string, image: string} | undefined>}
 */
export async function inspectContainer(name) {
  const r = await docker(['inspect', '--type', 'container', '--format', '{{json .State}}\t{{.Config.Image}}', name]);
  if (r.code !== 0) return undefined;
  const [state, image] = r.stdout.trim().split('\t');
  try {
    const s = JSON.parse(state);
    return { running: s.Running === true && s.Paused !== true, status: String(s.Status ?? 'unknown'), image: image ?? '' };
  } catch {
    return undefined;
  }
}

/**
 * Runs docker with its stdout going straight into the open file `fd` (a
 * backup can be gigabytes: nothing is buffered here).
 * @returns {Promise<{code: number, stderr: string}>}
 */
export function dockerToFd(args, fd, opts = {}) {
  const bin = dockerBin();
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', fd, 'pipe'], env: { ...process.env, ...opts.env } });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (c) => {
      if (stderr.length < 64 * 1024) stderr += c;
    });
    const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : undefined;
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${bin}: ${err.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stderr: signal === 'SIGKILL' && opts.timeoutMs ? `${stderr}\n(timed out)` : stderr });
    });
  });
}
