/**
 * A real OpenSSH server for the remote-mode tests: `/usr/sbin/sshd -D -e`
 * on 127.0.0.1:<free port> with a throwaway host key, a throwaway client key
 * authorized in a temp dir, and `SetEnv` for what the remote `voodu` needs.
 * Nothing outside its temp dir is touched (but /run/sshd, which sshd insists on).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports.js';
import { which } from './require.js';
import { waitFor } from './wait.js';

const run = promisify(execFile);
const SSHD = '/usr/sbin/sshd';

export interface TestSshd {
  port: number;
  dir: string;
  /** The client's private key (for `remote add --identity`). */
  identity: string;
  /** ssh options for a throwaway known_hosts and no user config (VOODU_SSH_OPTIONS). */
  sshOptions: string;
  /** sshd's own log (-e), for failure reports. */
  log(): string;
  stop(): Promise<void>;
}

/**
 * Fails (never skips) when sshd or ssh is missing: an SSH test that skips
 * proves nothing, and CI must go red.
 */
export function requireSsh(): void {
  const missing = [existsSync(SSHD) ? undefined : SSHD, which('ssh') ? undefined : 'ssh', which('ssh-keygen') ? undefined : 'ssh-keygen'].filter(Boolean);
  if (missing.length) throw new Error(`prerequisite missing: ${missing.join(', ')} (install openssh-server and openssh-client: apt-get install openssh-server)`);
}

export async function startSshd(setEnv: Record<string, string>): Promise<TestSshd> {
  requireSsh();
  const dir = await mkdtemp(join(tmpdir(), 'voodu-sshd-'));
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_ed25519')]);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'voodu-test', '-f', join(dir, 'id_ed25519')]);
  await copyFile(join(dir, 'id_ed25519.pub'), join(dir, 'authorized_keys'));
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  const port = await freePort();
  const env = Object.entries(setEnv).map(([k, v]) => `${k}=${v}`);
  await writeFile(
    join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_ed25519')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PermitRootLogin prohibit-password',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      // The temp dir's modes are not sshd's business here.
      'StrictModes no',
      'LogLevel ERROR',
      ...(env.length ? [`SetEnv ${env.join(' ')}`] : []),
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-20_000)));
  let exited = false;
  child.once('exit', () => (exited = true));
  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      await waitFor('sshd to exit', () => exited, 5000).catch(() => child.kill('SIGKILL'));
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      `sshd to listen on 127.0.0.1:${port}`,
      () => {
        if (exited) throw new Error(`sshd exited at start: ${log}`);
        return new Promise<boolean>((ok) => {
          const s = connect(port, '127.0.0.1');
          s.once('connect', () => (s.destroy(), ok(true)));
          s.once('error', () => ok(false));
        });
      },
      { timeoutMs: 15_000, context: () => log },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    port,
    dir,
    identity: join(dir, 'id_ed25519'),
    sshOptions: `-F none -o UserKnownHostsFile=${join(dir, 'known_hosts')} -o StrictHostKeyChecking=accept-new -o IdentitiesOnly=yes -o LogLevel=ERROR`,
    log: () => log,
    stop,
  };
}
