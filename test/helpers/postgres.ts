/**
 * One harness for the postgres plugin's end-to-end tests: a real etcd, the
 * controller's modules in-process (statefulsets, jobs, cronjobs, plugins),
 * the plugin copied in from plugins/postgres, backups under the controller's
 * root (VOODU_POSTGRES_BACKUP_ROOT, which plugin runs inherit), and
 * helpers that speak to PostgreSQL for real (`psql` in a pod or in a
 * throwaway client container on voodu0). `stop()` removes every container,
 * volume and directory the run made, the controller first so it cannot put
 * pods back.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { bootModules, type ModuleController } from './controller.js';
import { runCli, type CliRun } from './cli.js';
import { dockerClient, removeScopes, requireDocker, uniqueName } from './docker.js';
import { startEtcd, type TestEtcd } from './etcd.js';
import { callApi } from './http.js';

const run = promisify(execFile);
export const PG_IMAGE = 'voodu-test/postgres:15';
const PLUGIN = fileURLToPath(new URL('../../plugins/postgres/', import.meta.url));
const MODULES = ['paths', 'store', 'runtime', 'api', 'pod-api', 'config', 'assets', 'reconciler', 'apply', 'workload', 'deployment', 'statefulset', 'job', 'cronjob', 'pods', 'probes', 'plugins'];

export interface PgHarness {
  ctl: ModuleController;
  /** The test's own scope (unique per run). */
  scope: string;
  /** Where backups land on the host (VOODU_POSTGRES_BACKUP_ROOT). */
  backupRoot: string;
  ref(name: string): string;
  /** Container of pod `ordinal`. */
  pod(name: string, ordinal: number): string;
  /** A `postgres` block of this scope, on the test image. */
  block(name: string, spec?: Record<string, unknown>): Record<string, unknown>;
  apply(...manifests: unknown[]): Promise<{ status: number; body: any }>;
  dispatch(command: string, args: string[]): Promise<{ status: number; body: any }>;
  cli(args: string[]): Promise<CliRun>;
  /** The app's own bucket (not merged with the scope's). */
  vars(name: string): Promise<Record<string, string>>;
  /** SQL in pod `ordinal` over its socket as `user` (default postgres); trimmed unaligned output. */
  sql(name: string, ordinal: number, statement: string, opts?: { user?: string; db?: string }): Promise<string>;
  /** psql from a throwaway container on voodu0 with a connection URL, as a consumer would connect. */
  sqlByUrl(url: string, statement: string): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Waits until pod `ordinal` accepts connections. */
  ready(name: string, ordinal: number, timeoutMs?: number): Promise<void>;
  logs(): string;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startPostgresHarness(prefix: string, moduleOptions: Record<string, Record<string, unknown>> = {}): Promise<PgHarness> {
  await requireDocker();
  await run('docker', ['image', 'inspect', PG_IMAGE]).catch(() => {
    throw new Error(`${PG_IMAGE} is missing: run bash scripts/build-test-images`);
  });
  const scope = uniqueName(prefix);
  const etcd: TestEtcd = await startEtcd();
  let ctl: ModuleController;
  try {
    ctl = await bootModules(etcd.endpoint, MODULES, { statefulset: { readyTimeoutMs: 120_000 }, ...moduleOptions });
    await cp(PLUGIN, join(ctl.root, 'plugins', 'postgres'), { recursive: true });
  } catch (err) {
    await etcd.stop();
    throw err;
  }
  // Under $VOODU_ROOT, as /opt/voodu/backups is on a host: fetch_file serves files from there.
  const backupRoot = join(ctl.root, 'backups');
  await mkdir(backupRoot, { recursive: true });
  process.env.VOODU_POSTGRES_BACKUP_ROOT = backupRoot;
  const clients: string[] = [];

  const h: PgHarness = {
    ctl,
    scope,
    backupRoot,
    ref: (name) => `${scope}/${name}`,
    pod: (name, ordinal) => `${scope}-${name}.${ordinal}`,
    block: (name, spec = {}) => ({ kind: 'postgres', scope, name, spec: { image: PG_IMAGE, ...spec } }),
    apply: (...manifests) => callApi(ctl, 'POST', '/apply', manifests),
    dispatch: (command, args) => callApi(ctl, 'POST', `/plugin/postgres/${command}`, { args }),
    cli: (args) => runCli(args, { target: ctl }),
    vars: async (name) => (await callApi(ctl, 'GET', `/config?scope=${scope}&name=${name}&merge=false`)).body.data?.vars ?? {},
    async sql(name, ordinal, statement, opts = {}) {
      const { stdout } = await run('docker', ['exec', '-i', h.pod(name, ordinal), 'psql', '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-U', opts.user ?? 'postgres', '-d', opts.db ?? 'postgres', '-c', statement], { timeout: 30_000 });
      return stdout.trim();
    },
    async sqlByUrl(url, statement) {
      const name = `${scope}-client-${clients.length}`;
      clients.push(name);
      try {
        // The URL rides in the environment, not argv.
        const { stdout, stderr } = await run('docker', ['run', '--rm', '--name', name, '--network', 'voodu0', '-e', 'DATABASE_URL', '--entrypoint', 'sh', PG_IMAGE, '-c', 'psql "$DATABASE_URL" -X -q -A -t -v ON_ERROR_STOP=1 -c "$0"', statement], {
          timeout: 30_000,
          env: { ...process.env, DATABASE_URL: url },
        });
        return { code: 0, stdout: stdout.trim(), stderr };
      } catch (err) {
        const e = err as { code?: number; stdout?: string; stderr?: string };
        return { code: typeof e.code === 'number' ? e.code : 1, stdout: String(e.stdout ?? '').trim(), stderr: String(e.stderr ?? '') };
      }
    },
    async ready(name, ordinal, timeoutMs = 90_000) {
      const until = Date.now() + timeoutMs;
      let last = '';
      while (Date.now() < until) {
        try {
          await run('docker', ['exec', h.pod(name, ordinal), 'pg_isready', '-q', '-U', 'postgres'], { timeout: 10_000 });
          // pg_isready answers during the first boot's temporary server too; a query on the final one is what counts.
          await h.sql(name, ordinal, 'SELECT 1');
          return;
        } catch (err) {
          last = (err as Error).message;
        }
        await sleep(500);
      }
      throw new Error(`${h.pod(name, ordinal)} not ready within ${timeoutMs / 1000} s: ${last}\n${h.logs()}`);
    },
    logs: () => ctl.logs.slice(-60).join('\n'),
    async stop() {
      await ctl.stop().catch(() => undefined);
      const docker = dockerClient();
      await Promise.all(clients.map((c) => docker.getContainer(c).remove({ force: true }).catch(() => undefined)));
      await removeScopes(scope);
      const { Volumes } = await docker.listVolumes({ filters: { label: ['voodu.scope'] } });
      for (const v of Volumes ?? []) if (v.Labels?.['voodu.scope']?.startsWith(scope)) await docker.getVolume(v.Name).remove({ force: true }).catch(() => undefined);
      await etcd.stop();
      // Backup jobs write as the image's postgres user; a root test process can remove them all the same.
      await rm(backupRoot, { recursive: true, force: true });
      delete process.env.VOODU_POSTGRES_BACKUP_ROOT;
    },
  };
  return h;
}
