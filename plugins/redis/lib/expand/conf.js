// redis.conf of one resource: what bin/get-conf prints (the shipped
// conf/redis.conf unless someone replaced the script), AOF turned on when
// the block asks, and the password lines last so nothing included can
// override them.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** Where Redis 7 keeps the AOF files when `appendonly yes`: `<dir>/<appenddirname>`, defaults /data and appendonlydir. */
export const AOF_DIR = '/data/appendonlydir';

/**
 * The bytes of `<pluginDir>/bin/get-conf`'s stdout.
 * @param {string} pluginDir
 */
export function readConf(pluginDir) {
  const script = join(pluginDir, 'bin', 'get-conf');
  let out;
  try {
    out = execFileSync(script, [], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
  } catch (err) {
    const why = err.status !== undefined && err.status !== null ? `exited ${err.status}: ${String(err.stderr ?? '').trim() || 'no output'}` : err.message;
    throw new Error(`get-conf: ${script} ${why}`);
  }
  if (!out) throw new Error(`get-conf: ${script} printed nothing (redis.conf must not be empty)`);
  return out;
}

const AOF_LINES = 'appendonly yes\nappendfsync everysec';

/**
 * `appendonly yes` + `appendfsync everysec` in place of the conf's own
 * `appendonly` line (or at the end when it has none); the conf unchanged when off.
 */
export function withAppendonly(conf, on) {
  if (!on) return conf;
  if (/^appendonly\s+\S+[ \t]*$/m.test(conf)) return conf.replace(/^appendonly\s+\S+[ \t]*$/m, AOF_LINES);
  return `${conf}${conf.endsWith('\n') ? '' : '\n'}${AOF_LINES}\n`;
}

/** The password as requirepass (clients) and masterauth (a replica to its master), after everything else. */
export function appendRequirepass(conf, password) {
  const sep = conf.endsWith('\n') ? '' : '\n';
  return `${conf}${sep}\n# Added by the voodu redis plugin for this resource; change it with \`voodu redis:new-password\`.\nrequirepass ${password}\nmasterauth ${password}\n`;
}
