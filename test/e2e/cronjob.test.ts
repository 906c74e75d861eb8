/**
 * Cronjobs end to end: a controller with the cronjob
 * module against a real etcd and Docker, its clock stopped so the test
 * drives time with `kernel.clock.tick(now)` on a synthetic clock in 2030.
 * A `* * * * *` schedule fires once per minute, on the first tick at or
 * after the minute; missed minutes fire once; Forbid skips while a run is
 * in flight; suspend stops fires; a time zone moves the fire; bad input is
 * refused at /apply; POST /cronjobs/run runs now; delete cleans up.
 *
 * The synthetic clock only moves forward and every test deletes its
 * cronjobs, so one test's ticks never fire another's.
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { keys } from '../../lib/identity.js';
import type { CronJobStatus } from '../../modules/cronjob/contract.js';
import type { JobRun } from '../../modules/job/contract.js';
import { bootModules, type ModuleController } from '../helpers/controller.js';
import { TEST_IMAGE, dockerClient, removeScopes, requireDocker } from '../helpers/docker.js';
import { startEtcd, type TestEtcd } from '../helpers/etcd.js';
import { waitFor } from '../helpers/wait.js';
import { callApi } from '../helpers/http.js';

const docker = dockerClient();
const prefix = `cj${randomBytes(2).toString('hex')}`;
const MODULES = ['paths', 'store', 'runtime', 'api', 'config', 'assets', 'reconciler', 'apply', 'workload', 'job', 'cronjob', 'pods'];

let etcd: TestEtcd;
let ctl: ModuleController;

test.before(async () => {
  await requireDocker(docker);
  etcd = await startEtcd();
  ctl = await bootModules(etcd.endpoint, MODULES, {}, { manualClock: true });
});

test.after.always(async () => {
  await ctl?.stop();
  await etcd?.stop();
  await removeScopes(prefix, docker);
});

let scopes = 0;
const newScope = () => `${prefix}s${++scopes}`;

/** The synthetic clock: whole seconds, only forward. */
let clock = Date.UTC(2030, 0, 1, 0, 0, 30);
const iso = (ms: number) => new Date(ms).toISOString();
async function tickTo(ms: number): Promise<void> {
  if (ms < clock) throw new Error(`test clock may only move forward (${iso(ms)} < ${iso(clock)})`);
  clock = ms;
  await ctl.kernel.clock.tick(ms);
}
/** The next whole minute after the clock, plus `sec` seconds. */
const nextMinute = (sec = 0) => Math.floor(clock / 60_000) * 60_000 + 60_000 + sec * 1000;

const call = (method: string, path: string, body?: unknown) => callApi(ctl, method, path, body);

/** Applies and reconciles at once, so the scheduler knows the cronjob before the next tick. */
async function applyCron(scope: string, name: string, spec: Record<string, unknown>, job: Record<string, unknown> = {}) {
  const res = await call('POST', '/apply', [{ kind: 'cronjob', scope, name, spec: { ...spec, job: { image: TEST_IMAGE, ...job } } }]);
  if (res.status !== 200) throw new Error(`apply: ${res.status} ${res.body.error}`);
  await ctl.kernel.services.get('reconciler', 'test').reconcileNow({ kind: 'cronjob', scope, name });
}

async function deleteCron(scope: string, name: string) {
  await call('DELETE', `/apply?kind=cronjob&scope=${scope}&name=${name}`);
  await ctl.kernel.services.get('reconciler', 'test').idle();
}

const cronStatus = (scope: string, name: string) => ctl.kernel.services.get('store', 'test').getJSON<CronJobStatus>(keys.status('cronjob', scope, name));

const runContainers = (scope: string, name: string, kind = 'cronjob') =>
  docker.listContainers({ all: true, filters: { label: [`voodu.scope=${scope}`, `voodu.name=${name}`, `voodu.kind=${kind}`] } });

/** Fire lines the scheduler logged for this cronjob: the tick each fire landed on. */
const fireTicks = (scope: string, name: string) =>
  ctl.logs.flatMap((l) => {
    const m = new RegExp(`cronjob/${scope}/${name}: fire due (\\S+) \\(tick (\\S+)\\)`).exec(l);
    return m ? [{ due: m[1]!, tick: m[2]! }] : [];
  });


const finished = (st: CronJobStatus | undefined) => (st?.history ?? []).filter((r) => r.status !== 'running');

test.serial('* * * * * fires exactly once per minute, on the first tick at or after the minute; missed minutes fire once', async (t) => {
  const scope = newScope();
  t.teardown(() => deleteCron(scope, 'every'));
  await applyCron(scope, 'every', { schedule: '* * * * *', successful_history_limit: 10 }, { command: ['true'] });
  const st0 = await cronStatus(scope, 'every');
  t.is(st0?.schedule, '* * * * *');
  t.is(st0?.timezone, 'UTC');
  t.is(st0?.image, TEST_IMAGE);
  t.deepEqual(st0?.history, []);

  // First tick seeds the schedule (even if it were on a boundary) and fires nothing.
  const start = nextMinute(-30);
  await tickTo(start);
  t.deepEqual(fireTicks(scope, 'every'), []);
  const m1 = nextMinute();
  t.is((await waitFor('next_run', async () => (await cronStatus(scope, 'every'))?.next_run)), iso(m1));

  // Second by second across three minute boundaries: each fires on its own tick, once.
  for (let s = clock + 1000; s <= m1 + 150_000; s += 1000) await tickTo(s);
  t.deepEqual(fireTicks(scope, 'every'), [
    { due: iso(m1), tick: iso(m1) },
    { due: iso(m1 + 60_000), tick: iso(m1 + 60_000) },
    { due: iso(m1 + 120_000), tick: iso(m1 + 120_000) },
  ]);

  // Seven-second steps: the fire lands on the first tick at or after the boundary, not before.
  const from = clock;
  const boundary = nextMinute();
  const expected = from + Math.ceil((boundary - from) / 7000) * 7000;
  for (let s = from + 7000; s < boundary + 30_000; s += 7000) await tickTo(s);
  const stepped = fireTicks(scope, 'every').slice(3);
  t.deepEqual(stepped, [{ due: iso(boundary), tick: iso(expected) }]);
  t.true(expected >= boundary && expected - boundary < 7000);

  // Ten minutes without a tick: one fire, and the next one is a minute after this tick.
  const late = clock + 10 * 60_000;
  await tickTo(late);
  t.is(fireTicks(scope, 'every').length, 5);
  await tickTo(late + 1000);
  t.is(fireTicks(scope, 'every').length, 5);

  // The fires really ran: five succeeded runs in the history, five labelled containers.
  const st = await waitFor('five finished runs', async () => {
    const s = await cronStatus(scope, 'every');
    return finished(s).length === 5 && s;
  });
  t.true(st.history!.every((r) => r.status === 'succeeded'));
  t.is(st.next_run, iso(Math.floor(late / 60_000) * 60_000 + 60_000));
  const containers = await runContainers(scope, 'every');
  t.is(containers.length, 5);
  for (const c of containers) {
    t.is(c.Labels['voodu.kind'], 'cronjob');
    t.is(c.Labels['voodu.role'], 'cronjob');
  }
});

test.serial('Forbid skips a fire (and a forced run) while a run is in flight; Allow does not', async (t) => {
  const scope = newScope();
  t.teardown(async () => {
    await deleteCron(scope, 'solo');
    await deleteCron(scope, 'many');
  });
  await applyCron(scope, 'solo', { schedule: '* * * * *', concurrency_policy: 'Forbid' }, { command: ['sleep', '4'] });
  await applyCron(scope, 'many', { schedule: '* * * * *', concurrency_policy: 'Allow', successful_history_limit: 5 }, { command: ['sleep', '6'] });
  await tickTo(nextMinute(-1)); // seed
  await tickTo(nextMinute()); // fire both
  await waitFor('the first solo run to be in flight', async () => (await cronStatus(scope, 'solo'))?.history?.[0]?.status === 'running');

  await tickTo(nextMinute()); // both due again while the first runs are still sleeping
  t.is(fireTicks(scope, 'solo').length, 2);
  t.true(ctl.logs.some((l) => l.includes(`cronjob/${scope}/solo: fire due`) && l.includes('skipped: concurrency_policy Forbid')));
  const forced = await call('POST', `/cronjobs/run?scope=${scope}&name=solo`);
  t.is(forced.status, 200);
  t.is(forced.body.data, null);
  t.regex(forced.body.skipped ?? '', /Forbid and a run is still in flight/);

  // The Allow cronjob ran both fires side by side.
  await waitFor('two Allow runs in flight', async () => (await cronStatus(scope, 'many'))?.history?.filter((r) => r.status === 'running').length === 2);

  await waitFor('the solo run to finish', async () => finished(await cronStatus(scope, 'solo')).length === 1);
  t.is((await cronStatus(scope, 'solo'))?.history?.length, 1, 'the skipped fire left no run behind');
  await tickTo(nextMinute()); // nothing in flight now: fires
  await waitFor('a second solo run', async () => (await cronStatus(scope, 'solo'))?.history?.length === 2);
  // The run is recorded as it starts; its container follows a moment later on a loaded machine.
  t.is((await waitFor('its run container', async () => ((await runContainers(scope, 'solo')).length === 2 ? 2 : undefined), 10_000)), 2);
});

test.serial('suspend: no fires, a forced run is skipped, next_run is cleared; resuming seeds again', async (t) => {
  const scope = newScope();
  t.teardown(() => deleteCron(scope, 'nap'));
  await applyCron(scope, 'nap', { schedule: '* * * * *' }, { command: ['true'] });
  await tickTo(nextMinute(-10));
  await waitFor('next_run', async () => (await cronStatus(scope, 'nap'))?.next_run);

  await applyCron(scope, 'nap', { schedule: '* * * * *', suspend: true }, { command: ['true'] });
  t.is((await cronStatus(scope, 'nap'))?.next_run, undefined);
  for (let i = 0; i < 3; i++) await tickTo(nextMinute());
  t.deepEqual(fireTicks(scope, 'nap'), []);
  const forced = await call('POST', `/cronjobs/run?scope=${scope}&name=nap`);
  t.is(forced.status, 200);
  t.is(forced.body.data, null);
  t.regex(forced.body.skipped ?? '', /suspended/);
  t.is((await runContainers(scope, 'nap')).length, 0);

  await applyCron(scope, 'nap', { schedule: '* * * * *', suspend: false }, { command: ['true'] });
  await tickTo(nextMinute()); // on a boundary, but a resumed schedule only seeds
  t.deepEqual(fireTicks(scope, 'nap'), []);
  await tickTo(nextMinute());
  t.is(fireTicks(scope, 'nap').length, 1);
  await waitFor('the resumed run', async () => finished(await cronStatus(scope, 'nap')).length === 1);
});

test.serial('timezone: 0 9 * * * in America/Sao_Paulo is due at 12:00 UTC', async (t) => {
  const scope = newScope();
  t.teardown(() => deleteCron(scope, 'morning'));
  await applyCron(scope, 'morning', { schedule: '0 9 * * *', timezone: 'America/Sao_Paulo' }, { command: ['true'] });
  const day = Math.floor(clock / 86_400_000) * 86_400_000;
  const noon = day + 12 * 3_600_000 + (clock >= day + 12 * 3_600_000 ? 86_400_000 : 0);
  await tickTo(clock + 1000);
  const st = await waitFor('next_run', async () => {
    const s = await cronStatus(scope, 'morning');
    return s?.next_run ? s : undefined;
  });
  t.is(st.next_run, iso(noon));
  t.is(st.timezone, 'America/Sao_Paulo');
  await tickTo(noon - 1000);
  t.deepEqual(fireTicks(scope, 'morning'), []);
  await tickTo(noon);
  t.deepEqual(fireTicks(scope, 'morning'), [{ due: iso(noon), tick: iso(noon) }]);
  await waitFor('next_run a day later', async () => (await cronStatus(scope, 'morning'))?.next_run === iso(noon + 86_400_000));
});

test.serial('/apply refuses a bad schedule, time zone or concurrency_policy with 400 naming the field; nothing is stored', async (t) => {
  const scope = newScope();
  const bad = async (spec: Record<string, unknown>) => call('POST', '/apply', [{ kind: 'cronjob', scope, name: 'bad', spec: { job: { image: TEST_IMAGE }, ...spec } }]);
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ schedule: '61 * * * *' }, /schedule: "61 \* \* \* \*": minute field "61" is not valid/],
    [{ schedule: 'every minute' }, /schedule: .*is not a cron schedule/],
    [{ schedule: '0 0 L * *' }, /schedule: .*day of month field "L" is not valid/],
    [{ schedule: '@daily', timezone: 'Mars/Olympus' }, /timezone: "Mars\/Olympus" is not a time zone/],
    [{ schedule: '@daily', concurrency_policy: 'Replace' }, /concurrency_policy: "Replace" is not supported/],
    [{ schedule: '@daily', concurrency_policy: 'forbid' }, /concurrency_policy: "forbid" is not accepted; use "Allow" \(the default\) or "Forbid"/],
  ];
  for (const [spec, message] of cases) {
    const res = await bad(spec);
    t.is(res.status, 400, JSON.stringify(spec));
    t.regex(res.body.error ?? '', message);
  }
  t.is(await ctl.kernel.services.get('store', 'test').get(keys.desired({ kind: 'cronjob', scope, name: 'bad' })), undefined);
  // "" is the default policy.
  const ok = await bad({ schedule: '@daily', concurrency_policy: '' });
  t.is(ok.status, 200, ok.body.error);
  await deleteCron(scope, 'bad');
});

test.serial("POST /cronjobs/run runs it now with the cronjob's labels and history limits; GC spares a job of the same name", async (t) => {
  const scope = newScope();
  t.teardown(() => deleteCron(scope, 'now'));
  await applyCron(scope, 'now', { schedule: '@yearly', successful_history_limit: 2 }, { command: ['sh', '-c', 'echo cron says hi'], successful_history_limit: 9 });
  // A job with the same scope and name: its run container is not the cronjob's to collect.
  t.is((await call('POST', '/apply', [{ kind: 'job', scope, name: 'now', spec: { image: TEST_IMAGE, command: ['true'] } }])).status, 200);
  const jobRun = await call('POST', `/jobs/run?scope=${scope}&name=now`);
  t.is(jobRun.status, 200, jobRun.body.error);

  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    const res = await call('POST', i === 0 ? `/cronjobs/run?name=now` : `/cronjobs/run?scope=${scope}&name=now`);
    t.is(res.status, 200, res.body.error);
    const run = res.body.data as JobRun;
    t.is(run.status, 'succeeded');
    ids.push(run.run_id);
  }
  const info = await docker.getContainer(`${scope}-now.${ids[2]}`).inspect();
  t.is(info.Config.Labels['voodu.kind'], 'cronjob');
  t.is(info.Config.Labels['voodu.role'], 'cronjob');
  t.is(info.HostConfig.RestartPolicy?.Name || 'no', 'no');

  const st = await cronStatus(scope, 'now');
  t.deepEqual(st?.history?.map((r) => r.run_id), [ids[2], ids[1]], "the cronjob's limit (2), not its job's (9)");
  t.is(st?.last_run, st?.history?.[0]?.ended_at);
  t.deepEqual((await runContainers(scope, 'now')).map((c) => c.Labels['voodu.replica_id']).sort(), [ids[1], ids[2]].sort());
  t.is((await runContainers(scope, 'now', 'job')).length, 1, "the job's run container is still there");

  await call('POST', '/apply', [{ kind: 'cronjob', scope, name: 'fails', spec: { schedule: '@yearly', job: { image: TEST_IMAGE, command: ['sh', '-c', 'exit 7'] } } }]);
  t.teardown(() => deleteCron(scope, 'fails'));
  const failed = await call('POST', `/cronjobs/run?scope=${scope}&name=fails`);
  t.is(failed.status, 500);
  t.is(failed.body.data?.exit_code, 7);
  t.regex(failed.body.error ?? '', new RegExp(`cronjob/${scope}-fails run \\w{4} exited 7`));

  const missing = await call('POST', `/cronjobs/run?scope=${scope}&name=nope`);
  t.is(missing.status, 404);
  await call('DELETE', `/apply?kind=job&scope=${scope}&name=now`);
});

test.serial('delete removes the run containers and the status, and the schedule stops firing', async (t) => {
  const scope = newScope();
  await applyCron(scope, 'gone', { schedule: '* * * * *' }, { command: ['true'] });
  await tickTo(nextMinute(-1));
  await tickTo(nextMinute());
  await waitFor('a finished run', async () => finished(await cronStatus(scope, 'gone')).length === 1);
  t.is((await runContainers(scope, 'gone')).length, 1);

  const del = await call('DELETE', `/apply?kind=cronjob&scope=${scope}&name=gone`);
  t.is(del.status, 200, del.body.error);
  await waitFor('no run containers', async () => (await runContainers(scope, 'gone')).length === 0);
  await waitFor('no status', async () => (await cronStatus(scope, 'gone')) === undefined);
  for (let i = 0; i < 3; i++) await tickTo(nextMinute());
  t.is(fireTicks(scope, 'gone').length, 1, 'no fire after the delete');
  await new Promise((r) => setTimeout(r, 300));
  t.is(await cronStatus(scope, 'gone'), undefined, 'nothing wrote the status back');
});
