/**
 * The operator's feedback loop, end to end against a real etcd and Docker:
 * `voodu apply` waits for the rollouts it started and fails loudly (an
 * image that cannot be pulled, a container that exits at once), `--no-wait`
 * and a no-op apply return at once, `describe` ends with the events, and
 * `voodu events -f` (a real CLI process) streams the repair of a replica
 * killed by hand; a crash loop is one compacted event with a count.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bootModules, type ModuleController } from '../helpers/controller.js';
import { TEST_IMAGE, dockerClient, removeScopes, requireDocker } from '../helpers/docker.js';
import { startEtcd, type TestEtcd } from '../helpers/etcd.js';
import { runCli } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';

const docker = dockerClient();
const prefix = `aw${randomBytes(2).toString('hex')}`;
const MODULES = ['paths', 'store', 'runtime', 'api', 'config', 'assets', 'reconciler', 'apply', 'probes', 'workload', 'deployment', 'statefulset', 'pods', 'events', 'rollouts', 'overview'];
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SLEEPER = ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1000 & wait; done'];

let etcd: TestEtcd;
let ctl: ModuleController;
let work: string;

test.before(async () => {
  await requireDocker(docker);
  etcd = await startEtcd();
  ctl = await bootModules(etcd.endpoint, MODULES, { workload: { readinessGraceMs: 1500 }, reconciler: { retryDelaysMs: [1000, 2000, 4000, 8000] } });
  work = await mkdtemp(join(tmpdir(), 'voodu-apply-wait-'));
});
test.after.always(async () => {
  await ctl?.stop();
  await etcd?.stop();
  await removeScopes(prefix, docker);
  if (work) await rm(work, { recursive: true, force: true });
});

const cli = (...args: string[]) => runCli(args, { target: ctl });
const logs = () => ctl.logs.slice(-30).join('\n');
let n = 0;
const scope = () => `${prefix}s${++n}`;

async function hcl(body: string): Promise<string> {
  const file = join(work, `m${++n}.hcl`);
  await writeFile(file, body);
  return file;
}

const deployment = (s: string, name: string, fields: string) => `deployment "${s}" "${name}" {\n${fields}\n}\n`;
const sleeper = (replicas = 2) => `  image = "${TEST_IMAGE}"\n  replicas = ${replicas}\n  command = ${JSON.stringify(SLEEPER)}`;

async function running(s: string, name: string): Promise<number> {
  const list = await docker.listContainers({ filters: { label: [`voodu.scope=${s}`, `voodu.name=${name}`, 'voodu.role=deployment'] } });
  return list.length;
}

test.serial('apply of a good deployment exits 0 only once its replicas run and are ready, printing progress', async (t) => {
  t.timeout(90_000);
  const s = scope();
  const file = await hcl(deployment(s, 'web', sleeper(2)));
  const r = await cli('apply', '-f', file);
  t.is(r.code, 0, `${r.stderr}\n${logs()}`);
  t.is(await running(s, 'web'), 2, 'apply returned before the replicas were running');
  t.regex(r.stderr, new RegExp(`deployment/${s}/web: … [01]/2 ready`), 'no progress line while it rolled out');
  t.regex(r.stdout, new RegExp(`deployment/${s}/web applied\\n`));
  t.regex(r.stdout, new RegExp(`deployment/${s}/web rolled out \\(2/2 ready\\)`));

  // Unchanged: nothing to wait on, so nothing is waited on.
  const again = await cli('apply', '-f', file);
  t.is(again.code, 0, again.stderr);
  t.notRegex(again.stdout, /rolled out/);
  t.is(again.stderr, '');

  // -o json carries the states the wait ended on.
  const scaled = await cli('apply', '-f', await hcl(deployment(s, 'web', sleeper(3))), '-o', 'json');
  t.is(scaled.code, 0, scaled.stderr);
  const answer = JSON.parse(scaled.stdout);
  t.deepEqual(answer.rollouts, [`deployment/${s}/web`]);
  t.is(answer.rollout_states[0].phase, 'converged');
  t.is(answer.rollout_states[0].ready, 3);
});

test.serial('voodu status shows the controller, etcd, Docker and each resource with ready/desired', async (t) => {
  const s = `${prefix}s1`;
  const r = await cli('status');
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^controller: .*, pid \d+, up /m);
  t.regex(r.stdout, /^etcd: ok \([\d.]+ ms, revision \d+\)$/m);
  t.regex(r.stdout, /^docker: ok \([\d.]+ ms\)$/m);
  t.regex(r.stdout, new RegExp(`^${s}:\n  KIND +NAME +READY +RUNNING +LAST ERROR\n  deployment +web +3/3 +3 +-$`, 'm'));
  const json = JSON.parse((await cli('status', '-o', 'json')).stdout);
  t.true(json.etcd.ok);
  t.deepEqual(json.scopes.find((x: { scope: string }) => x.scope === s).resources, [{ kind: 'deployment', name: 'web', error: '', desired: 3, running: 3, ready: 3 }]);
});

test.serial('--no-wait returns once the manifests are stored', async (t) => {
  const s = scope();
  const started = Date.now();
  const r = await cli('apply', '-f', await hcl(deployment(s, 'web', sleeper(1))), '--no-wait');
  t.is(r.code, 0, r.stderr);
  t.true(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
  t.notRegex(r.stdout, /rolled out/);
});

test.serial('an image that cannot be pulled fails the apply within 30 s, naming the image and the reason; describe shows the error and the events', async (t) => {
  t.timeout(60_000);
  const s = scope();
  const started = Date.now();
  const r = await cli('apply', '-f', await hcl(deployment(s, 'gone', `  image = "voodu-test/not-built-anywhere:1"\n  command = ["true"]`)));
  const took = Date.now() - started;
  t.is(r.code, 1, r.stdout);
  t.true(took < 30_000, `took ${took} ms`);
  t.regex(r.stderr, new RegExp(`deployment/${s}/gone: rollout failed: .*voodu-test/not-built-anywhere:1.*pull failed`));
  t.log(`unpullable image reported in ${(took / 1000).toFixed(1)} s`);

  const d = await cli('describe', 'deployment', `${s}/gone`);
  t.is(d.code, 0, d.stderr);
  t.regex(d.stdout, /last_reconcile_error: .*pull failed/);
  t.regex(d.stdout, /events \(\d+, newest last/);
  t.regex(d.stdout, /warning\s+PullFailed \(x\d+ since [\d:]+\)\s+-\s+image "voodu-test\/not-built-anywhere:1" is not present locally/);
  t.regex(d.stdout, /warning\s+ReconcileFailed/);
});

test.serial('a container that exits at once fails the apply, naming the exit code', async (t) => {
  t.timeout(60_000);
  const s = scope();
  const r = await cli('apply', '-f', await hcl(deployment(s, 'crash', `  image = "${TEST_IMAGE}"\n  command = ["sh", "-c", "exit 3"]`)));
  t.is(r.code, 1, r.stdout);
  t.regex(r.stderr, new RegExp(`deployment/${s}/crash: rollout failed: replica ${s}-crash\\.\\w+ exited with code 3 right after it started`));
});

test.serial('a crash loop is one compacted event with a count', async (t) => {
  t.timeout(90_000);
  const s = scope();
  t.is((await cli('apply', '-f', await hcl(deployment(s, 'loop', `  image = "${TEST_IMAGE}"\n  command = ["sh", "-c", "sleep 0.2; exit 1"]`)), '--no-wait')).code, 0);
  const died = await waitFor('three deaths', async () => {
    const r = await cli('events', `deployment/${s}/loop`, '-o', 'json');
    const list = JSON.parse(r.stdout) as { reason: string; count: number; object?: string }[];
    const lines = list.filter((e) => e.reason === 'Died');
    return lines.length === 1 && lines[0]!.count >= 3 ? { lines, list } : undefined;
  }, { timeoutMs: 75_000, intervalMs: 1000, context: logs });
  t.is(died.lines.length, 1);
  t.true(died.list.length < 8, `the loop wrote ${died.list.length} lines: ${JSON.stringify(died.list)}`);
  const text = await cli('events', `${s}/loop`);
  t.regex(text.stdout, /warning\s+Died \(x\d+ since/);
  await cli('delete', 'deployment', `${s}/loop`);
});

test.serial('voodu events -f prints the repair when a replica is killed by hand', async (t) => {
  t.timeout(90_000);
  const s = scope();
  t.is((await cli('apply', '-f', await hcl(deployment(s, 'web', sleeper(1))))).code, 0);
  const tsx = join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs');
  const child = spawn(process.execPath, [`--import=${tsx}`, '--disable-warning=DEP0111', join(ROOT, 'bin', 'voodu.ts'), '--controller-url', ctl.url, 'events', `${s}/web`, '-f'], {
    env: { ...process.env, VOODU_ROOT: ctl.root },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  try {
    await waitFor('the existing events', () => out.includes('Created'), { timeoutMs: 20_000, context: () => err });
    const [victim] = await docker.listContainers({ filters: { label: [`voodu.scope=${s}`, 'voodu.role=deployment'] } });
    await docker.getContainer(victim!.Id).kill();
    const name = victim!.Names[0]!.slice(1);
    const line = await waitFor('the repair event', () => out.split('\n').find((l) => l.includes('Repaired') && l.includes(name)), { timeoutMs: 30_000, context: () => `${out}\n${err}\n${logs()}` });
    t.regex(line, new RegExp(`deployment/${s}/web\\s+Repaired ${name.replace('.', '\\.')}: replica found stopped; replacing it`));
  } finally {
    child.kill();
  }
});
