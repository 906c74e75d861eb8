/**
 * Jobs end to end: a controller with
 * the job module against a real etcd and the real Docker engine. Runs that
 * succeed, fail, time out; history limits and the GC of run containers;
 * config env reaching a run; `voodu run` exiting with the job's code and
 * streaming the output while the job runs (jobs and cronjobs); the
 * `run_job` action; delete. Each test has its own scope; containers the controller makes are
 * removed by scope label afterwards.
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { Kernel, createLogger } from '../../kernel/index.js';
import { keys } from '../../lib/identity.js';
import { coreModules } from '../../modules/core.js';
import type { JobRun, JobStatus } from '../../modules/job/contract.js';
import { TEST_IMAGE, dockerClient, removeScopes, requireDocker } from '../helpers/docker.js';
import { startEtcd, type TestEtcd } from '../helpers/etcd.js';
import { readToken } from '../helpers/controller.js';
import { apiFetch, callApi } from '../helpers/http.js';
import { runCli } from '../helpers/cli.js';

const docker = dockerClient();
const prefix = `jb${randomBytes(2).toString('hex')}`;
const MODULES = ['kinds', 'paths', 'store', 'runtime', 'api', 'config', 'assets', 'reconciler', 'apply', 'workload', 'job', 'cronjob', 'pods'];

let etcd: TestEtcd;
let kernel: Kernel;
let url: string;
let token: string;
let root: string;

test.before(async () => {
  await requireDocker(docker);
  etcd = await startEtcd();
  root = await mkdtemp(join(tmpdir(), 'voodu-job-test-'));
  kernel = new Kernel({ log: createLogger({ level: 'warn', sink: () => undefined }) });
  const options: Record<string, Record<string, unknown>> = { paths: { root }, store: { endpoints: [etcd.endpoint] }, api: { http: '127.0.0.1:0' } };
  await kernel.boot(await Promise.all(MODULES.map(async (name) => ({ module: await coreModules[name]!.load(), options: options[name] ?? {} }))));
  url = kernel.services.get('api', 'test').address().url;
  token = await readToken(root);
});

test.after.always(async () => {
  await kernel?.shutdown();
  await etcd?.stop();
  await removeScopes(prefix, docker);
  if (root) await rm(root, { recursive: true, force: true });
});

let scopes = 0;
const newScope = () => `${prefix}s${++scopes}`;

const call = (method: string, path: string, body?: unknown) => callApi({ url, token }, method, path, body);

async function applyJob(scope: string, name: string, spec: Record<string, unknown>) {
  const res = await call('POST', '/apply', [{ kind: 'job', scope, name, spec: { image: TEST_IMAGE, ...spec } }]);
  if (res.status !== 200) throw new Error(`apply: ${res.status} ${res.body.error}`);
}

const runJob = (scope: string, name: string) => call('POST', `/jobs/run?scope=${scope}&name=${name}`);

async function jobStatus(scope: string, name: string): Promise<JobStatus | undefined> {
  return kernel.services.get('store', 'test').getJSON<JobStatus>(keys.status('job', scope, name));
}

const runContainers = (scope: string, name: string) =>
  docker.listContainers({ all: true, filters: { label: [`voodu.scope=${scope}`, `voodu.name=${name}`, 'voodu.kind=job'] } });

function demux(buf: Buffer): string {
  let out = '';
  for (let i = 0; i + 8 <= buf.length; ) {
    const size = buf.readUInt32BE(i + 4);
    out += buf.subarray(i + 8, i + 8 + size).toString('utf8');
    i += 8 + size;
  }
  return out;
}
const logsOf = async (name: string) => demux(await docker.getContainer(name).logs({ stdout: true, stderr: true }));

async function cli(...args: string[]) {
  return runCli(args, { target: { url, root } });
}

test.serial('apply stores the status without running; a run succeeds in a labelled container with no aliases or restart policy', async (t) => {
  const scope = newScope();
  await applyJob(scope, 'hello', { command: ['sh', '-c', 'echo hello from the job'] });
  await kernel.services.get('reconciler', 'test').reconcileNow({ kind: 'job', scope, name: 'hello' });
  const before = await jobStatus(scope, 'hello');
  t.is(before?.image, TEST_IMAGE);
  t.deepEqual(before?.history, []);
  t.is((await runContainers(scope, 'hello')).length, 0, 'reconcile never runs a job');

  const res = await runJob(scope, 'hello');
  t.is(res.status, 200, res.body.error);
  t.is(res.body.status, 'ok');
  const run = res.body.data as JobRun;
  t.is(run.status, 'succeeded');
  t.is(run.exit_code, 0);
  t.regex(run.run_id, /^[0-9a-f]{4}$/);
  t.truthy(run.started_at && run.ended_at);

  const name = `${scope}-hello.${run.run_id}`;
  const info = await docker.getContainer(name).inspect();
  t.is(info.Config.Labels['voodu.kind'], 'job');
  t.is(info.Config.Labels['voodu.role'], 'job');
  t.is(info.Config.Labels['voodu.replica_id'], run.run_id);
  t.is(info.Config.Labels['voodu.manifest_hash'], undefined);
  t.is(info.HostConfig.RestartPolicy?.Name || 'no', 'no');
  for (const net of Object.values(info.NetworkSettings.Networks)) {
    t.false((net.Aliases ?? []).some((a: string) => a.startsWith('hello')), `no DNS alias for a job: ${net.Aliases}`);
  }
  t.false((info.Config.Env ?? []).some((e) => e.startsWith('VOODU_')), 'jobs get no -e');
  t.regex(await logsOf(name), /hello from the job/);

  const after = await jobStatus(scope, 'hello');
  t.is(after?.history?.[0]?.run_id, run.run_id);
  t.is(after?.history?.[0]?.status, 'succeeded');
  t.is(after?.last_run, run.ended_at);

  // Scope resolved from a unique name.
  const again = await call('POST', `/jobs/run?name=hello`);
  t.is(again.status, 200, again.body.error);
});

test.serial('a non-zero exit is a failed run with its exit code: 500 envelope with the run as data', async (t) => {
  const scope = newScope();
  await applyJob(scope, 'boom', { command: ['sh', '-c', 'echo broken >&2; exit 3'] });
  const res = await runJob(scope, 'boom');
  t.is(res.status, 500);
  t.is(res.body.status, 'error');
  const run = res.body.data as JobRun;
  t.is(run.status, 'failed');
  t.is(run.exit_code, 3);
  t.regex(res.body.error ?? '', new RegExp(`job/${scope}-boom run ${run.run_id} exited 3`));
  const st = await jobStatus(scope, 'boom');
  t.is(st?.history?.[0]?.exit_code, 3);
  t.is(st?.history?.[0]?.status, 'failed');
});

test.serial('timeout kills the run and fails it', async (t) => {
  const scope = newScope();
  await applyJob(scope, 'slow', { command: ['sleep', '30'], timeout: '2s' });
  const started = Date.now();
  const res = await runJob(scope, 'slow');
  const took = Date.now() - started;
  t.is(res.status, 500);
  const run = res.body.data as JobRun;
  t.is(run.status, 'failed');
  t.regex(run.error ?? '', /timed out after 2s/);
  t.true(took < 15_000, `ended after ${took} ms, not after the 30 s sleep`);
  t.true(took >= 2_000, `ran for the 2 s timeout, not less (${took} ms)`);
  const info = await docker.getContainer(`${scope}-slow.${run.run_id}`).inspect();
  t.false(info.State.Running);
});

test.serial('history keeps 3 succeeded runs by default and failed_history_limit failed ones; older run containers are removed', async (t) => {
  const scope = newScope();
  await applyJob(scope, 'ok', { command: ['true'] });
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    const res = await runJob(scope, 'ok');
    t.is(res.status, 200, res.body.error);
    ids.push(res.body.data.run_id);
  }
  const st = await jobStatus(scope, 'ok');
  t.deepEqual(
    st?.history?.map((r) => r.run_id),
    ids.slice(2).reverse(),
    'the three newest, newest first',
  );
  const left = (await runContainers(scope, 'ok')).map((c) => c.Labels['voodu.replica_id']).sort();
  t.deepEqual(left, ids.slice(2).sort());

  await applyJob(scope, 'bad', { command: ['false'], failed_history_limit: 2 });
  const bad: string[] = [];
  for (let i = 0; i < 3; i++) bad.push((await runJob(scope, 'bad')).body.data.run_id);
  t.deepEqual((await jobStatus(scope, 'bad'))?.history?.map((r) => r.run_id), bad.slice(1).reverse());
  t.is((await runContainers(scope, 'bad')).length, 2);
});

test.serial('env from the config buckets and the manifest reaches the run', async (t) => {
  const scope = newScope();
  t.is((await call('POST', `/config?scope=${scope}&restart=false`, { FROM_SCOPE: 'scope-val', SHARED: 'scope' })).status, 200);
  t.is((await call('POST', `/config?scope=${scope}&name=envy&restart=false`, { FROM_APP: 'app-val', SHARED: 'app' })).status, 200);
  await applyJob(scope, 'envy', { command: ['sh', '-c', 'echo "$FROM_SCOPE|$FROM_APP|$FROM_SPEC|$SHARED"'], env: { FROM_SPEC: 'spec-val' } });
  const res = await runJob(scope, 'envy');
  t.is(res.status, 200, res.body.error);
  t.regex(await logsOf(`${scope}-envy.${res.body.data.run_id}`), /scope-val\|app-val\|spec-val\|app/);
});

test.serial('voodu run prints the output and exits with the job\'s exit code', async (t) => {
  const scope = newScope();
  await applyJob(scope, 'say', { command: ['sh', '-c', 'echo said-it'] });
  await applyJob(scope, 'four', { command: ['sh', '-c', 'echo about-to-fail; exit 4'] });

  const ok = await cli('run', `${scope}/say`);
  t.is(ok.code, 0, ok.stderr);
  t.regex(ok.stdout, /said-it/);
  t.regex(ok.stdout, new RegExp(`job ${scope}/say succeeded in \\S+`));

  const bad = await cli('run', `${scope}/four`);
  t.is(bad.code, 4, bad.stderr);
  t.regex(bad.stdout, /about-to-fail/);
  t.regex(bad.stdout, new RegExp(`job ${scope}/four failed in \\S+ \\(exit 4\\)`));

  const json = await cli('run', `${scope}/four`, '-o', 'json');
  t.is(json.code, 4);
  const parsed = JSON.parse(json.stdout) as JobRun;
  t.is(parsed.exit_code, 4);
  t.is(parsed.status, 'failed');

  const missing = await cli('run', `${scope}/nope`);
  t.is(missing.code, 1);
  t.regex(missing.stderr, /not found/);
});

test.serial('delete removes every run container and the status', async (t) => {
  const scope = newScope();
  await applyJob(scope, 'gone', { command: ['true'] });
  t.is((await runJob(scope, 'gone')).status, 200);
  t.is((await runContainers(scope, 'gone')).length, 1);
  const del = await call('DELETE', `/apply?kind=job&scope=${scope}&name=gone`);
  t.is(del.status, 200, del.body.error);
  const deadline = Date.now() + 15_000;
  while ((await runContainers(scope, 'gone')).length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  t.is((await runContainers(scope, 'gone')).length, 0);
  while ((await jobStatus(scope, 'gone')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  t.is(await jobStatus(scope, 'gone'), undefined);
});

test.serial('voodu run streams the output while the job runs and exits with its code', async (t) => {
  const scope = newScope();
  await applyJob(scope, 'slowtalk', { command: ['sh', '-c', 'echo first-line; sleep 2; echo second-line; exit 3'] });
  const started = Date.now();
  const res = await cli('run', `${scope}/slowtalk`);
  t.is(res.code, 3, res.stderr);
  const first = res.chunks.find((c) => c.text.includes('first-line'));
  const second = res.chunks.find((c) => c.text.includes('second-line'));
  t.truthy(first && second, res.stdout);
  // The job sleeps 2 s between its lines: the first was printed while it still ran.
  t.true(second!.at - first!.at >= 1500, `first line ${first!.at - started} ms in, second ${second!.at - started} ms in`);
  t.true(res.endedAt - first!.at >= 1500);
  t.regex(res.stdout, /first-line\nsecond-line\n/);
  t.regex(res.stdout, new RegExp(`job ${scope}/slowtalk failed in \\S+ \\(exit 3\\)`));

  // `run job <ref>` is the same thing; --no-logs prints only the outcome.
  const quiet = await cli('run', 'job', `${scope}/slowtalk`, '--no-logs');
  t.is(quiet.code, 3);
  t.notRegex(quiet.stdout, /first-line/);

  // The raw answer: NDJSON log lines, then the run.
  const raw = await apiFetch({ url, token }, `/jobs/run?scope=${scope}&name=slowtalk&follow=true`, { method: 'POST' });
  t.is(raw.status, 200);
  t.regex(raw.headers.get('content-type') ?? '', /application\/x-ndjson/);
  const lines = (await raw.text()).trim().split('\n').map((l) => JSON.parse(l));
  t.deepEqual(lines.slice(0, 2), [{ log: 'first-line\n' }, { log: 'second-line\n' }]);
  t.is(lines[2].run.exit_code, 3);
  t.is(lines.length, 3);
  // A follow request for a job that does not exist still answers 404 in the envelope.
  t.is((await apiFetch({ url, token }, `/jobs/run?scope=${scope}&name=nope&follow=true`, { method: 'POST' })).status, 404);
});

test.serial('voodu run cronjob <ref> runs a cronjob\'s job now; without a kind a cronjob is found after jobs', async (t) => {
  const scope = newScope();
  const res = await call('POST', '/apply', [
    { kind: 'cronjob', scope, name: 'tick', spec: { schedule: '@yearly', job: { image: TEST_IMAGE, command: ['sh', '-c', 'echo from-the-cronjob'] } } },
  ]);
  t.is(res.status, 200, res.body.error);
  const explicit = await cli('run', 'cronjob', `${scope}/tick`);
  t.is(explicit.code, 0, explicit.stderr);
  t.regex(explicit.stdout, /from-the-cronjob/);
  t.regex(explicit.stdout, new RegExp(`job cronjob/${scope}/tick succeeded in`));

  const fallback = await cli('run', `${scope}/tick`);
  t.is(fallback.code, 0, fallback.stderr);
  t.regex(fallback.stdout, /from-the-cronjob/);
  const runs = await docker.listContainers({ all: true, filters: { label: [`voodu.scope=${scope}`, 'voodu.name=tick', 'voodu.kind=cronjob'] } });
  t.is(runs.length, 2);

  const asJob = await cli('run', 'job', `${scope}/tick`);
  t.is(asJob.code, 1);
  t.regex(asJob.stderr, /job\/\S*-tick not found/);
  const none = await cli('run', `${scope}/nothing`);
  t.is(none.code, 1);
  t.regex(none.stderr, /job or cronjob .*nothing not found/);
  await call('DELETE', `/apply?kind=cronjob&scope=${scope}&name=tick`);
});

test.serial('the run_job action queues a run in the background and answers at once; a dry run runs nothing; bad actions are refused', async (t) => {
  const scope = newScope();
  await applyJob(scope, 'queued', { command: ['sh', '-c', 'sleep 1; echo queued-run'] });
  const hook = kernel.hooks.onAction.get('run_job');
  t.truthy(hook, 'the job module taps run_job');

  const dry = await hook!.promise({ type: 'run_job', scope, name: 'queued' }, { source: 'test', dryRun: true });
  t.deepEqual(dry, { applied: `run_job ${scope}/queued queued` });
  const worded = await hook!.promise({ type: 'run_job', scope, name: 'queued', summary: 'backup b007 dispatched' }, { source: 'test', dryRun: true });
  t.deepEqual(worded, { applied: 'backup b007 dispatched' }, "a plugin's summary is the applied line");

  const before = Date.now();
  const answer = await hook!.promise({ type: 'run_job', scope, name: 'queued' }, { source: 'test', dryRun: false });
  t.deepEqual(answer, { applied: `run_job ${scope}/queued queued` });
  t.true(Date.now() - before < 1000, 'answered before the run (which sleeps 1 s) could end');

  const deadline = Date.now() + 30_000;
  let st = await jobStatus(scope, 'queued');
  while (!(st?.history?.[0]?.status === 'succeeded') && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    st = await jobStatus(scope, 'queued');
  }
  t.is(st?.history?.length, 1, 'one run: the dry run ran nothing');
  t.is(st?.history?.[0]?.status, 'succeeded');
  t.regex(await logsOf(`${scope}-queued.${st!.history![0]!.run_id}`), /queued-run/);

  await t.throwsAsync(hook!.promise({ type: 'run_job', name: 'queued' }, { source: 'test', dryRun: false }), { message: /run_job.scope: required/ });
  await t.throwsAsync(hook!.promise({ type: 'run_job', scope, name: 'Bad Name' }, { source: 'test', dryRun: false }), { message: /run_job.name: "Bad Name" is not a valid name/ });
});
