/**
 * `post_deploy`: commands run on the host once a deployment's replicas serve
 * a new build — each as `bash -c <entry>`, in order, in the build's release
 * dir, after `current` points at it. A failure is a warning (the release
 * is live already), never a rollback. The commands get a small environment
 * of their own — PATH and the release's names — not the controller's,
 * which holds its secrets; and their output stays out of the log (it may
 * hold the app's), which records each command's exit code.
 */
import { spawn } from 'node:child_process';
import type { Logger } from '../../kernel/index.js';

/** Longest one command may run before it is killed. */
const COMMAND_TIMEOUT_MS = 10 * 60_000;

export interface PostDeployRun {
  app: string;
  buildId: string;
  releaseDir: string;
  commands: string[];
}

function runOne(command: string, run: PostDeployRun): Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', command], {
      cwd: run.releaseDir,
      env: { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', VOODU_APP: run.app, VOODU_BUILD_ID: run.buildId, VOODU_RELEASE_DIR: run.releaseDir },
      stdio: 'ignore',
      timeout: COMMAND_TIMEOUT_MS,
      killSignal: 'SIGKILL',
    });
    child.once('error', (err) => resolve({ code: null, signal: null, error: err.message }));
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

/** Runs every command in order; returns whether all succeeded. */
export async function runPostDeploy(run: PostDeployRun, log: Logger): Promise<boolean> {
  let ok = true;
  for (const [i, command] of run.commands.entries()) {
    const res = await runOne(command, run);
    const which = `${run.app}: post_deploy ${i + 1}/${run.commands.length} of build ${run.buildId}`;
    if (res.code === 0) {
      log.info(`${which} succeeded`);
      continue;
    }
    ok = false;
    const why = res.error ?? (res.signal ? `killed by ${res.signal}${res.signal === 'SIGKILL' ? ` (over ${COMMAND_TIMEOUT_MS / 60_000} min?)` : ''}` : `exited ${res.code}`);
    log.warn(`${which} failed: ${why}; the release stays live, the next commands still run`);
  }
  return ok;
}
