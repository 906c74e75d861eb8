/**
 * Runs a plugin's `install` / `uninstall` hook: argv
 * `<dir>/<hook> <name>`, cwd the plugin dir, env = the controller's minus
 * its secrets + `VOODU_PLUGIN_DIR` + plugin.yml env + `TMPDIR`/`HOME` = the
 * dir; 10 minutes, then the whole process group is killed. Output is logged
 * line by line and the last 8 lines go into the error.
 */
import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../../kernel/index.js';
import { inheritedEnv } from '../inherited-env.js';

export const HOOK_TIMEOUT_MS = 10 * 60_000;
const TAIL_LINES = 8;


export class HookFailure extends Error {
  readonly tail: string[];
  constructor(message: string, tail: string[]) {
    super(tail.length ? `${message}\n${tail.join('\n')}` : message);
    this.tail = tail;
  }
}

export async function hookExists(dir: string, hook: 'install' | 'uninstall'): Promise<boolean> {
  return stat(join(dir, hook)).then((s) => s.isFile(), () => false);
}

export function hookEnv(dir: string, pluginEnv: Record<string, string>): NodeJS.ProcessEnv {
  return { ...inheritedEnv(), VOODU_PLUGIN_DIR: dir, ...pluginEnv, TMPDIR: dir, HOME: dir };
}

/** Resolves on exit 0; rejects with HookFailure (exit code or timeout, plus the output tail). */
export function runHook(
  dir: string,
  hook: 'install' | 'uninstall',
  name: string,
  pluginEnv: Record<string, string>,
  log: Logger,
  timeoutMs = HOOK_TIMEOUT_MS,
  onLine?: (line: string) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const tail: string[] = [];
    let partial = '';
    const take = (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) push(line);
    };
    const push = (line: string) => {
      const clean = line.replace(/\r$/, '');
      log.info(`${hook} hook ${name}: ${clean}`);
      if (clean.trim()) onLine?.(`${hook} hook: ${clean}`);
      tail.push(clean);
      if (tail.length > TAIL_LINES) tail.shift();
    };
    const child = spawn(join(dir, hook), [name], {
      cwd: dir,
      env: hookEnv(dir, pluginEnv),
      stdio: ['ignore', 'pipe', 'pipe'],
      // Own process group, so a timeout takes the hook's children with it.
      detached: true,
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new HookFailure(`cannot run ${hook} hook: ${err.message}`, []));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (partial) push(partial);
      if (timedOut) reject(new HookFailure(`${hook} hook timed out after ${Math.round(timeoutMs / 1000)} s and was killed`, tail));
      else if (code === 0) resolve();
      else reject(new HookFailure(`${hook} hook exited ${code ?? signal}`, tail));
    });
  });
}
