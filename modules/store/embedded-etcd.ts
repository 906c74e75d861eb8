/**
 * Supervises the etcd child process of embedded mode: start it, wait until
 * it is healthy, restart it when it dies, stop it. A pid file lets the next
 * controller stop an etcd that a crashed controller left behind, which would
 * otherwise hold the data dir's lock and the ports.
 *
 * The pid file is `<dataDir>/../etcd.pid` (override with `pidFile`): inside
 * the data dir etcd warns about it on every start.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { basename, delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { ValidationError, VooduError, messageOf } from '../../lib/errors.js';
import type { Logger } from '../../kernel/log.js';
import { CLIENT_LISTENER, PEER_LISTENER, checkClientIdentity, checkListener, connectUrl } from './etcd-exposure.js';
import { checkPeerFiles, embeddedClientCredentials, type ClientCredentials, type TlsFiles } from './etcd-tls.js';

/** Ops allowed in one etcd transaction (compares and writes each count). */
export const MAX_TXN_OPS = 4096;
export interface EmbeddedEtcdOptions {
  /** etcd binary: a name looked up on PATH, or a path. Default `etcd`. */
  bin?: string;
  dataDir: string;
  /** Default http://127.0.0.1:2379. Anything but loopback must be https (see clientTls). */
  clientUrl?: string;
  /** Default http://127.0.0.1:2380. Anything but loopback must be https (see peerTls). */
  peerUrl?: string;
  /** Cert, key and client CA of an https client listener; etcd then demands client certificates. */
  clientTls?: TlsFiles;
  /** What the supervisor and the controller present to that listener. Default: clientTls's cert and key. */
  clientIdentity?: { certFile?: string; keyFile?: string };
  /** Cert, key and CA of an https peer listener, with peer client-certificate auth. */
  peerTls?: TlsFiles;
  /** Member name. Default voodu-0. */
  name?: string;
  /**
   * How long etcd may go without serving /health *and* without progress (no
   * CPU time used, no line printed) before it counts as hung: `start()`
   * fails, a restarted one is killed. An etcd replaying a large WAL is busy
   * the whole time and is waited for. Default 30000.
   */
  readyTimeoutMs?: number;
  log?: Logger;
  /** Default `<dataDir>/../etcd.pid`. */
  pidFile?: string;
  /** etcd's periodic auto-compaction window; without one its db grows until the quota alarm. Default `1h`. */
  autoCompactionRetention?: string;
  /** Restart backoff after a crash: doubles from `initialMs` up to `maxMs`. Defaults 250 / 10000. */
  restartBackoff?: { initialMs?: number; maxMs?: number };
}

const TAIL_LINES = 50;
const STOP_GRACE_MS = 10_000;
/** A run at least this long counts as healthy: the next crash restarts at the initial delay. */
const STABLE_RUN_MS = 30_000;

export class EmbeddedEtcd {
  readonly bin: string;
  readonly dataDir: string;
  readonly clientUrl: string;
  readonly peerUrl: string;
  readonly name: string;
  readonly pidFile: string;
  readonly readyTimeoutMs: number;
  /** Where a client on this host connects: clientUrl, with a wildcard bind replaced by loopback. */
  readonly connectUrl: string;
  /** What a client presents to and trusts of a TLS client listener; undefined for plain http. */
  readonly clientCredentials: ClientCredentials | undefined;
  readonly #clientTls: Required<TlsFiles> | undefined;
  readonly #peerTls: Required<TlsFiles> | undefined;
  readonly #log: Logger | undefined;
  readonly #retention: string;
  readonly #backoffInitialMs: number;
  readonly #backoffMaxMs: number;
  #child: ChildProcess | undefined;
  #spawnedAt = 0;
  #tail: string[] = [];
  /** Lines etcd printed since this controller started it: one sign of progress during a slow start. */
  #lines = 0;
  #state: 'idle' | 'starting' | 'running' | 'stopping' = 'idle';
  #restartTimer: NodeJS.Timeout | undefined;
  #restarts = 0;
  #failures = 0;
  readonly #onProcessExit = () => this.#child?.kill('SIGTERM');

  constructor(options: EmbeddedEtcdOptions) {
    if (typeof options.dataDir !== 'string' || options.dataDir === '') {
      throw new ValidationError('dataDir: the etcd data directory is required', { field: 'dataDir' });
    }
    this.bin = options.bin ?? 'etcd';
    this.dataDir = resolve(options.dataDir);
    this.clientUrl = checkUrl(options.clientUrl ?? 'http://127.0.0.1:2379', 'clientUrl');
    this.peerUrl = checkUrl(options.peerUrl ?? 'http://127.0.0.1:2380', 'peerUrl');
    // Refused here, before anything runs: an open etcd is every secret and the whole desired state.
    const clientTls = options.clientTls ?? {};
    const peerTls = options.peerTls ?? {};
    const clientMode = checkListener(this.clientUrl, clientTls, CLIENT_LISTENER);
    const peerMode = checkListener(this.peerUrl, peerTls, PEER_LISTENER);
    checkClientIdentity(clientMode, options.clientIdentity ?? {}, this.clientUrl);
    this.#clientTls = clientMode === 'tls' ? absolute(clientTls) : undefined;
    this.#peerTls = peerMode === 'tls' ? absolute(peerTls) : undefined;
    this.clientCredentials = this.#clientTls && embeddedClientCredentials(this.#clientTls, options.clientIdentity ?? {});
    if (this.#peerTls) checkPeerFiles(this.#peerTls);
    this.connectUrl = connectUrl(this.clientUrl);
    this.name = options.name ?? 'voodu-0';
    this.readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
    this.pidFile = resolve(options.pidFile ?? join(dirname(this.dataDir), 'etcd.pid'));
    this.#log = options.log;
    this.#retention = options.autoCompactionRetention ?? '1h';
    this.#backoffInitialMs = options.restartBackoff?.initialMs ?? 250;
    this.#backoffMaxMs = options.restartBackoff?.maxMs ?? 10_000;
  }

  /** Pid of the running etcd child, if any. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** How many times the supervisor restarted etcd after it died. */
  get restarts(): number {
    return this.#restarts;
  }

  /** The last lines etcd printed (stdout and stderr interleaved). */
  logTail(): string[] {
    return [...this.#tail];
  }

  /** True when etcd answers `{"health":"true"}` on its client URL (over TLS presenting the client certificate). */
  health(timeoutMs = 1000): Promise<boolean> {
    return new Promise((done) => {
      const url = `${this.connectUrl}/health`;
      const creds = this.clientCredentials;
      const onResponse = (res: IncomingMessage) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          try {
            done((JSON.parse(body) as { health?: unknown }).health === 'true');
          } catch {
            done(false);
          }
        });
        res.on('error', () => done(false));
      };
      const req = creds
        ? httpsGet(url, { agent: false, timeout: timeoutMs, ca: creds.rootCertificate, cert: creds.certChain, key: creds.privateKey }, onResponse)
        : httpGet(url, { agent: false, timeout: timeoutMs }, onResponse);
      req.on('timeout', () => req.destroy());
      req.on('error', () => done(false));
    });
  }

  /** Polls until etcd is healthy (true) or the timeout passes (false). */
  async waitHealthy(timeoutMs = this.readyTimeoutMs): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.#child && (await this.health())) return true;
      await sleep(100);
    }
    return false;
  }

  /** Spawns etcd and resolves once it is healthy; throws with etcd's last output otherwise. */
  async start(): Promise<void> {
    if (this.#state === 'running' || this.#state === 'starting') return;
    this.#state = 'starting';
    try {
      const binPath = resolveBinary(this.bin);
      mkdirSync(this.dataDir, { recursive: true, mode: 0o700 });
      await this.#stopStale();
      if (await this.health()) {
        throw new VooduError(
          `an etcd not started by voodu already answers at ${this.clientUrl}; stop it, pick another store clientUrl, or use it as an external etcd (store endpoints)`,
        );
      }
      const child = this.#spawn(binPath);
      await this.#awaitReady(child);
      this.#state = 'running';
      process.on('exit', this.#onProcessExit);
      const tls = this.#clientTls ? ' (TLS, client certificates required)' : '';
      this.#log?.info(`etcd ${this.name} (pid ${child.pid}) healthy at ${this.clientUrl}${tls}, data in ${this.dataDir}`);
    } catch (err) {
      if (this.#child) await terminate(this.#child, STOP_GRACE_MS);
      this.#child = undefined;
      this.#state = 'idle';
      throw err;
    }
  }

  /** SIGTERM, up to 10 s grace, then SIGKILL. Nothing restarts etcd after this. */
  async stop(): Promise<void> {
    if (this.#state === 'idle') return;
    this.#state = 'stopping';
    clearTimeout(this.#restartTimer);
    this.#restartTimer = undefined;
    process.off('exit', this.#onProcessExit);
    const child = this.#child;
    if (child) {
      await terminate(child, STOP_GRACE_MS);
      this.#removePidFile(child.pid);
    }
    this.#child = undefined;
    this.#state = 'idle';
  }

  #args(): string[] {
    return [
      '--name', this.name,
      '--data-dir', this.dataDir,
      '--listen-client-urls', this.clientUrl,
      '--advertise-client-urls', this.clientUrl,
      '--listen-peer-urls', this.peerUrl,
      '--initial-advertise-peer-urls', this.peerUrl,
      '--initial-cluster', `${this.name}=${this.peerUrl}`,
      // zap to stderr at warn: quiet when fine, and failures still say why.
      '--logger', 'zap',
      '--log-outputs', 'stderr',
      '--log-level', 'warn',
      '--auto-compaction-mode', 'periodic',
      '--auto-compaction-retention', this.#retention,
      // One apply is one transaction: etcd's default of 128 ops would cap a batch at ~60 manifests.
      '--max-txn-ops', String(MAX_TXN_OPS),
      ...tlsArgs(this.#clientTls, ''),
      ...tlsArgs(this.#peerTls, 'peer-'),
    ];
  }

  #spawn(binPath: string): ChildProcess {
    // etcd 3.4 refuses to start when an ETCD_* variable shadows one of our flags.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ETCD_')));
    const child = spawn(binPath, this.#args(), { stdio: ['ignore', 'pipe', 'pipe'], env });
    this.#child = child;
    this.#spawnedAt = Date.now();
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => this.#remember(line));
    }
    child.on('error', (err) => this.#remember(`[voodu] could not run ${binPath}: ${err.message}`));
    child.on('close', (code, signal) => this.#onExit(child, code, signal));
    if (child.pid) {
      try {
        writeFileSync(this.pidFile, `${child.pid}\n`);
      } catch (err) {
        this.#log?.warn(`cannot write etcd pid file ${this.pidFile}: ${messageOf(err)}`);
      }
    }
    return child;
  }

  #remember(line: string): void {
    this.#lines++;
    this.#tail.push(line);
    if (this.#tail.length > TAIL_LINES) this.#tail.splice(0, this.#tail.length - TAIL_LINES);
    if (/"level":"(error|fatal|panic|dpanic)"/.test(line)) this.#log?.error(`etcd: ${line}`);
    else this.#log?.debug(`etcd: ${line}`);
  }

  async #awaitReady(child: ChildProcess): Promise<void> {
    const outcome = await this.#untilServing(child, () => this.#state === 'starting');
    if (outcome === 'healthy') return;
    if (outcome === 'cancelled') throw new VooduError('etcd start was cancelled by stop()');
    if (outcome === 'exited') {
      // Let the last lines of output land before quoting them.
      await closed(child, 1000);
      throw new VooduError(`etcd exited during startup (${describeExit(child)})${this.#tailText()}`);
    }
    throw new VooduError(
      `etcd did not become healthy at ${this.clientUrl}/health: no progress (no CPU time, no output) for ${this.readyTimeoutMs} ms${this.#tailText()}`,
    );
  }

  /**
   * Polls /health until etcd serves, exits, stops being the one we wait for
   * (`current`), or stalls: `readyTimeoutMs` with neither CPU time nor
   * output. The deadline moves with progress, so a start that replays a
   * large write-ahead log is not mistaken for a hang (and killed, and
   * replayed again from the start, forever). Reports every 10 s while it waits.
   */
  async #untilServing(child: ChildProcess, current: () => boolean): Promise<'healthy' | 'exited' | 'stalled' | 'cancelled'> {
    const started = Date.now();
    let mark = this.#progressMark(child);
    let stallAt = started + this.readyTimeoutMs;
    let nextReport = started + 10_000;
    for (;;) {
      if (!current()) return 'cancelled';
      if (exited(child)) return 'exited';
      if (await this.health()) return 'healthy';
      const now = Date.now();
      const m = this.#progressMark(child);
      if (m !== mark) {
        mark = m;
        stallAt = now + this.readyTimeoutMs;
      }
      if (now >= stallAt) return 'stalled';
      if (now >= nextReport) {
        nextReport = now + 10_000;
        this.#log?.info(`etcd (pid ${child.pid}) still starting after ${Math.round((now - started) / 1000)} s and busy (replaying its data?); waiting`);
      }
      await closed(child, 100);
    }
  }

  /** Changes whenever etcd used CPU or printed a line. CPU time is read from /proc (Linux); elsewhere output alone counts. */
  #progressMark(child: ChildProcess): string {
    let cpu = '';
    try {
      // Fields after the `(comm)`, which may hold spaces: utime and stime are the 12th and 13th of them.
      const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      cpu = `${fields[11]}+${fields[12]}`;
    } catch {
      // not Linux, or already gone (the exit check sees to that)
    }
    return `${this.#lines}:${cpu}`;
  }

  #onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.#child || this.#state !== 'running') return;
    this.#child = undefined;
    const ranMs = Date.now() - this.#spawnedAt;
    if (ranMs >= STABLE_RUN_MS) this.#failures = 0;
    const last = this.#tail[this.#tail.length - 1];
    this.#scheduleRestart(
      `etcd (pid ${child.pid}) exited with ${signal ? `signal ${signal}` : `code ${code}`} after ${Math.round(ranMs / 1000)} s${last ? ` (last output: ${last})` : ''}`,
    );
  }

  #scheduleRestart(why: string): void {
    const delay = Math.min(this.#backoffMaxMs, this.#backoffInitialMs * 2 ** this.#failures);
    this.#failures++;
    this.#log?.warn(`${why}; restarting it in ${delay} ms`);
    this.#restartTimer = setTimeout(() => void this.#restart(), delay);
  }

  async #restart(): Promise<void> {
    this.#restartTimer = undefined;
    if (this.#state !== 'running') return;
    this.#restarts++;
    let child: ChildProcess;
    try {
      child = this.#spawn(resolveBinary(this.bin));
    } catch (err) {
      this.#scheduleRestart(`etcd restart #${this.#restarts} failed: ${messageOf(err)}`);
      return;
    }
    this.#log?.warn(`etcd restart #${this.#restarts}: pid ${child.pid}`);
    const outcome = await this.#untilServing(child, () => this.#child === child && this.#state === 'running');
    if (outcome === 'healthy') this.#log?.info(`etcd healthy again after restart #${this.#restarts}`);
    if (outcome === 'stalled') {
      // Alive but neither serving nor doing anything: kill it so the exit path restarts it with backoff.
      this.#log?.error(`etcd restart #${this.#restarts} not healthy and idle for ${this.readyTimeoutMs} ms; killing it${this.#tailText()}`);
      child.kill('SIGKILL');
    }
  }

  /** Stops an etcd a crashed controller left running on our data dir; leaves any other process alone. */
  async #stopStale(): Promise<void> {
    let pid: number;
    try {
      pid = Number.parseInt(readFileSync(this.pidFile, 'utf8').trim(), 10);
    } catch {
      return;
    }
    if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid) return;
    if (!isEtcdOn(pid, this.dataDir)) return;
    this.#log?.warn(`stopping etcd (pid ${pid}) left running on ${this.dataDir} by an earlier controller`);
    signal(pid, 'SIGTERM');
    if (!(await waitGone(pid, STOP_GRACE_MS))) {
      signal(pid, 'SIGKILL');
      if (!(await waitGone(pid, 5000))) {
        throw new VooduError(`etcd (pid ${pid}) left by an earlier controller on ${this.dataDir} does not die; kill it by hand`);
      }
    }
  }

  #removePidFile(pid: number | undefined): void {
    try {
      if (readFileSync(this.pidFile, 'utf8').trim() === String(pid)) rmSync(this.pidFile, { force: true });
    } catch {
      // Already gone.
    }
  }

  #tailText(): string {
    return this.#tail.length ? `; etcd's last output:\n${this.#tail.join('\n')}` : '; etcd printed nothing';
  }
}

function checkUrl(value: unknown, field: string): string {
  if (typeof value === 'string') {
    try {
      const url = new URL(value);
      if ((url.protocol === 'http:' || url.protocol === 'https:') && url.port && url.pathname === '/') return `${url.protocol}//${url.host}`;
    } catch {
      // Fall through to the error.
    }
  }
  throw new ValidationError(`${field}: ${JSON.stringify(value)} is not an http://host:port or https://host:port URL`, { field });
}

function absolute(files: TlsFiles): Required<TlsFiles> {
  // checkListener made sure all three are there.
  return { certFile: resolve(files.certFile!), keyFile: resolve(files.keyFile!), trustedCaFile: resolve(files.trustedCaFile!) };
}

/** etcd's own flags for a TLS listener; a client (or peer) without a certificate from the CA is refused. */
function tlsArgs(files: Required<TlsFiles> | undefined, prefix: '' | 'peer-'): string[] {
  if (!files) return [];
  return [
    `--${prefix}cert-file`, files.certFile,
    `--${prefix}key-file`, files.keyFile,
    `--${prefix}trusted-ca-file`, files.trustedCaFile,
    `--${prefix}client-cert-auth`,
  ];
}

/** The binary's path, or an error saying how to get one. */
export function resolveBinary(bin: string): string {
  const fix = 'install the etcd-server package (e.g. `apt-get install etcd-server`) or pass --etcd-bin <path> (store option etcdBin)';
  const executable = (p: string) => {
    try {
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (bin.includes('/')) {
    const path = isAbsolute(bin) ? bin : resolve(bin);
    if (executable(path)) return path;
    throw new VooduError(`etcd binary "${bin}" does not exist or is not executable; ${fix}`);
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && executable(join(dir, bin))) return join(dir, bin);
  }
  throw new VooduError(`etcd binary "${bin}" was not found on PATH; ${fix}`);
}

/** True when `pid` is an etcd whose --data-dir is `dataDir` (read from /proc, so a reused pid is safe). */
function isEtcdOn(pid: number, dataDir: string): boolean {
  let argv: string[];
  try {
    argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return false;
  }
  if (!argv[0] || !basename(argv[0]).startsWith('etcd')) return false;
  return argv.some(
    (arg, i) => (arg === '--data-dir' && argv[i + 1] !== undefined && resolve(argv[i + 1]!) === dataDir) ||
      (arg.startsWith('--data-dir=') && resolve(arg.slice('--data-dir='.length)) === dataDir),
  );
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Gone already.
  }
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await sleep(100);
  }
  return false;
}

/** Exited, or never ran (a failed spawn has no pid). */
function exited(child: ChildProcess): boolean {
  return child.pid === undefined || child.exitCode !== null || child.signalCode !== null;
}

function describeExit(child: ChildProcess): string {
  if (child.pid === undefined) return 'it could not be run';
  return child.signalCode ? `signal ${child.signalCode}` : `exit code ${child.exitCode}`;
}

/** Resolves when the child's stdio has closed, or after `ms`. */
function closed(child: ChildProcess, ms: number): Promise<void> {
  if (child.stdout?.closed !== false && child.stderr?.closed !== false && exited(child)) return Promise.resolve();
  return new Promise((done) => {
    const onClose = () => {
      clearTimeout(timer);
      done();
    };
    const timer = setTimeout(() => {
      child.off('close', onClose);
      done();
    }, ms);
    child.once('close', onClose);
  });
}

/** SIGTERM, wait up to `graceMs`, then SIGKILL; resolves once the child is gone. */
async function terminate(child: ChildProcess, graceMs: number): Promise<void> {
  if (exited(child)) return;
  child.kill('SIGTERM');
  if (!(await exitWithin(child, graceMs))) {
    child.kill('SIGKILL');
    await exitWithin(child, 5000);
  }
}

/** True once the child has exited, false if `ms` pass first. Clears its timer so nothing lingers. */
function exitWithin(child: ChildProcess, ms: number): Promise<boolean> {
  if (exited(child)) return Promise.resolve(true);
  return new Promise((done) => {
    const onExit = () => {
      clearTimeout(timer);
      done(true);
    };
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      done(false);
    }, ms);
    child.once('exit', onExit);
  });
}
