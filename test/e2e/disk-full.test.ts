/**
 * A full disk under $VOODU_ROOT (its apps/ on a 4 MB tmpfs), against a real etcd and
 * Docker: a change that needs a file written there (the app's env file)
 * fails with the reason in the status and events, the running replica and
 * its old env file stay as they were (no temp files left), and once space
 * returns the controller finishes the change by itself.
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bootModules, type ModuleController } from '../helpers/controller.js';
import { TEST_IMAGE, dockerClient, removeScopes, requireDocker } from '../helpers/docker.js';
import { startEtcd, type TestEtcd } from '../helpers/etcd.js';
import { callApi } from '../helpers/http.js';
import { waitFor } from '../helpers/wait.js';

const docker = dockerClient();
const scope = `df${randomBytes(2).toString('hex')}`;
const MODULES = ['paths', 'store', 'runtime', 'api', 'config', 'assets', 'reconciler', 'apply', 'workload', 'deployment', 'pods', 'events'];
const LOOP = ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1 & wait; done'];

let etcd: TestEtcd;
let ctl: ModuleController;
let mount = '';

test.before(async () => {
  await requireDocker(docker);
  if (process.getuid?.() !== 0) {
    if (process.env.CI === 'true') throw new Error('disk-full.test.ts mounts a tmpfs: run it as root (CI does)');
    return;
  }
  etcd = await startEtcd();
  ctl = await bootModules(etcd.endpoint, MODULES, { workload: { readinessGraceMs: 300 } });
  // $VOODU_ROOT/apps on a filesystem of its own, small enough to fill.
  mount = join(ctl.root, 'apps');
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mount]);
});
test.after.always(async () => {
  await removeScopes(scope, docker);
  // Unmounted before the controller's root is removed with everything in it.
  if (mount) execFileSync('umount', ['-l', mount]);
  await ctl?.stop();
  await etcd?.stop();
});

const logs = async () => ctl.logs.slice(-20).join('\n');
const dep = (v: string) => ({ kind: 'deployment', scope, name: 'web', spec: { image: TEST_IMAGE, replicas: 1, command: LOOP, env: { V: v } } });
const replicas = () => docker.listContainers({ filters: { label: [`voodu.scope=${scope}`, 'voodu.role=deployment'] } });
const envOf = async (id: string) => (await docker.getContainer(id).inspect()).Config.Env ?? [];

test.serial('a full disk fails the change with the reason, keeps what runs, and the change lands once space returns', async (t) => {
  t.timeout(180_000);
  if (!mount) return t.pass('not root: skipped outside CI');
  t.is((await callApi(ctl, 'POST', '/apply', [dep('1')])).status, 200);
  await waitFor('the first replica', async () => (await replicas()).length === 1, { timeoutMs: 60_000, context: logs });
  const [first] = await replicas();
  const envFile = join(mount, `${scope}-web`, 'shared', '.env');
  t.regex(await readFile(envFile, 'utf8'), /^V=1$/m);

  // Fill the filesystem to the last block.
  const filler = join(mount, 'filler');
  try {
    await writeFile(filler, Buffer.alloc(8 * 1024 * 1024));
  } catch (err) {
    t.is((err as NodeJS.ErrnoException).code, 'ENOSPC');
  }
  const applied = await callApi(ctl, 'POST', '/apply', [dep('2-' + 'x'.repeat(8192))]);
  t.is(applied.status, 200, applied.body.error);
  const failure = await waitFor('the reason in the status', async () => {
    const d = await callApi(ctl, 'GET', `/describe?kind=deployment&scope=${scope}&name=web`);
    const err = String(d.body.data?.status?.last_reconcile_error ?? '');
    return /the filesystem is full \(ENOSPC\)/.test(err) ? err : undefined;
  }, { timeoutMs: 60_000, context: logs });
  t.log(`status: ${failure}`);
  // What ran keeps running, on its old env; the env file is whole and no temp file is left behind.
  const during = await replicas();
  t.deepEqual(during.map((c) => c.Id), [first!.Id]);
  t.true((await envOf(first!.Id)).includes('V=1'));
  t.regex(await readFile(envFile, 'utf8'), /^V=1$/m);
  t.deepEqual((await readdir(join(mount, `${scope}-web`, 'shared'))).filter((f) => f !== '.env'), [], 'temp files left');

  // Space returns: nobody intervenes, the change lands.
  await rm(filler, { force: true });
  const freedAt = Date.now();
  await waitFor('the replica on the new env', async () => {
    const now = await replicas();
    return now.length === 1 && now[0]!.Id !== first!.Id && (await envOf(now[0]!.Id)).some((e) => e.startsWith('V=2-'));
  }, { timeoutMs: 120_000, context: logs });
  t.log(`rolled ${Date.now() - freedAt} ms after space returned`);
});
