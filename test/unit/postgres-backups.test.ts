/**
 * The postgres plugin's backups, controller side (plain JS, run as shipped
 * through lib/main.js): ids and file names, retention and durations, sizes,
 * the listing merge of files and containers, the URL download, the dump
 * script itself (run for real by bash against a fake pg_dump and psql), the
 * schedule's HCL (parsed back by the CLI's loader: it must store what
 * --apply stores), and every command's actions and refusals. A small HTTP
 * server stands in for the controller at a capability URL, and a fake
 * `docker` ($VOODU_DOCKER, a node script) answers what the commands ask of
 * containers and records each call. Real pods are the e2e test's.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { createServer, type ServerResponse } from 'node:http';
import { chmod, mkdir, mkdtemp, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startFakeController, startFakeDocker, type ControllerRequest, type DockerAnswer, type DockerCall, type FakeController, type FakeDocker } from '../helpers/fake-controller.js';
import { main } from '../../plugins/postgres/lib/main.js';
import { BACKUP_LABEL, backupFilename, cronjobName, formatId, jobName, nextNumber, parseFilename, parseId, parseJobName, parsePartialFilename, partialFilename, stamp } from '../../plugins/postgres/lib/backups/names.js';
import { applyRetention, describePolicy, formatDuration, isZero, mergePolicy, parseDuration, policyFromConfig, retentionFlags } from '../../plugins/postgres/lib/backups/retention.js';
import { formatRate, formatSize, progressLine } from '../../plugins/postgres/lib/backups/size.js';
import { downloadToFile, isHttpUrl, safeUrl } from '../../plugins/postgres/lib/backups/download.js';
import { idFromLog, mergeListing, parseContainers, readBackupDir, resolveBackup, type BackupContainer } from '../../plugins/postgres/lib/backups/listing.js';
import { cronjobHcl, dumpScript, hclString, scheduleCronjob } from '../../plugins/postgres/lib/backups/script.js';
import { followJobRun, staleJobActions } from '../../plugins/postgres/lib/backups/jobs.js';
import { renderTable } from '../../plugins/postgres/lib/commands/backups.js';
import { cronProblem } from '../../plugins/postgres/lib/commands/backups-schedule.js';
import { mergeStreams } from '../../plugins/postgres/lib/commands/backups-logs.js';
import { describeCluster } from '../../plugins/postgres/lib/resource.js';
import { loadManifests } from '../../cli/hcl/index.js';

const run = promisify(execFile);

// ---------------------------------------------------------------- the fakes

interface World {
  /** Pods and other containers `docker inspect --format` is asked about: name → state. */
  pods: Record<string, { running: boolean; status?: string }>;
  /** Backup containers as `docker inspect` prints them. */
  backupContainers: Record<string, unknown>[];
  psql?: string;
  logs?: Record<string, string>;
  toc?: string;
  /** `docker exec <pod> test -r …` exit code (0: the pod sees /backups). */
  testCode?: number;
  restoreCode?: number;
}

let fake: FakeController;
let docker: FakeDocker;
let world: World;
let work: string;
let root: string;
/** How long the fake /jobs/run takes, and whether its run fails. */
let runMs: number;
let runFails: boolean;

/** The docker the commands see: pods, backup containers, psql/pg_restore answers, from `world`. */
function dockerAnswer({ argv: args }: DockerCall): DockerAnswer {
  const cmd = args[0];
  const labelsOf = (c: Record<string, any>) => c.Config.Labels as Record<string, string>;
  if (cmd === 'inspect' && args.includes('--format')) {
    const name = args[args.length - 1]!;
    const pod = world.pods[name];
    if (!pod) return { code: 1, stderr: `Error: No such container: ${name}\n` };
    return { stdout: `${JSON.stringify({ Running: pod.running, Paused: false, Status: pod.status ?? (pod.running ? 'running' : 'exited') })}\tvoodu-test/postgres:15\n` };
  }
  if (cmd === 'inspect') {
    const ids = args.slice(3);
    return { stdout: JSON.stringify(world.backupContainers.filter((c) => ids.includes(c.Id as string))) };
  }
  if (cmd === 'ps') {
    const filters: string[] = [];
    for (let i = 0; i < args.length; i++) if (args[i] === '--filter') filters.push(args[++i]!.replace(/^label=/, ''));
    const match = (c: Record<string, any>) =>
      filters.every((f) => {
        const eq = f.indexOf('=');
        const k = eq < 0 ? f : f.slice(0, eq);
        return eq < 0 ? k in labelsOf(c) : labelsOf(c)[k] === f.slice(eq + 1);
      });
    return { stdout: `${world.backupContainers.filter(match).map((c) => c.Id).join('\n')}\n` };
  }
  if (cmd === 'exec') {
    const rest = args.slice(1).filter((a, i, all) => !(a === '-i') && !(a === '-e' || all[i - 1] === '-e') && !(a === '-u' || all[i - 1] === '-u'));
    const prog = rest[1];
    if (prog === 'psql') return { stdout: `${world.psql ?? ''}\n` };
    if (prog === 'test') return { code: world.testCode ?? 0 };
    if (prog === 'pg_restore' && rest.includes('--list')) return { stdout: world.toc ?? ';\n; Archive\n1; 0 0 TABLE public t app\n2; 0 0 TABLE DATA public t app\n' };
    if (prog === 'pg_restore' && world.restoreCode) return { code: world.restoreCode, stderr: 'pg_restore: error: boom\n' };
    return {};
  }
  if (cmd === 'logs') return { stdout: world.logs?.[args[args.length - 1]!] ?? '' };
  if (cmd === 'kill' || cmd === 'cp') return {}; // recorded only
  return { code: 2, stderr: `fake docker: unexpected ${args.join(' ')}\n` };
}

function setWorld(w: Partial<World>) {
  world = { pods: {}, backupContainers: [], ...w };
  docker.calls = [];
}

function dockerCalls(): { args: string[]; pgpassword: string | null }[] {
  return docker.calls.map((c) => ({ args: c.argv, pgpassword: c.env.PGPASSWORD ?? null }));
}

/** The job spec's host dir and file, as the fake run reads them from the manifest. */
function jobTarget(manifest: any) {
  const dir = String(manifest.spec.volumes[0]).split(':')[0]!;
  const file = /file='([^']+)'/.exec(manifest.spec.command[2])![1]!;
  return { dir, file };
}

/** POST /jobs/run?follow=true of an applied capture job: its log lines, a partial file growing, then the file (or a failure). */
async function runJob(r: ControllerRequest, res: ServerResponse) {
  const m = fake.manifests.find((a) => a.kind === 'job' && a.scope === r.query.get('scope') && a.name === r.query.get('name'));
  if (!m) return; // the controller's 404
  const key = r.key;
  const { dir, file } = jobTarget(m);
  res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8' });
  const started = new Date().toISOString();
  res.write(`${JSON.stringify({ log: `voodu-postgres: backup ${file.slice(0, 4)} of ${key} -> /backups/${file}\n` })}\n`);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, `.${file}.partial`), Buffer.alloc(512 * 1024));
  await new Promise((r) => setTimeout(r, runMs));
  if (runFails) {
    await rm(join(dir, `.${file}.partial`), { force: true });
    res.write(`${JSON.stringify({ log: 'pg_dump: error: connection refused\n' })}\n`);
    res.end(`${JSON.stringify({ run: { run_id: 'ab12', status: 'failed', exit_code: 1, started_at: started, ended_at: new Date().toISOString(), error: `job/${key} run ab12 exited 1` } })}\n`);
    return;
  }
  await writeFile(join(dir, `.${file}.partial`), Buffer.alloc(1024 * 1024));
  await rename(join(dir, `.${file}.partial`), join(dir, file));
  res.write(`${JSON.stringify({ log: `voodu-postgres: backup complete: ${file}, 1048576 bytes in 1 s\nvoodu-postgres: retention: removed b001-20240101T000000Z.dump\n` })}\n`);
  res.end(`${JSON.stringify({ run: { run_id: 'ab12', status: 'succeeded', exit_code: 0, started_at: started, ended_at: new Date().toISOString() } })}\n`);
}

test.before(async () => {
  work = await mkdtemp(join(tmpdir(), 'voodu-pg-backups-unit-'));
  root = join(work, 'backups');
  fake = await startFakeController();
  docker = await startFakeDocker(dockerAnswer);
});

test.after.always(async () => {
  await fake?.close();
  await docker?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

test.beforeEach(async () => {
  fake.reset();
  fake.on('POST /jobs/run', runJob);
  runMs = 50;
  runFails = false;
  await rm(root, { recursive: true, force: true });
  setWorld({});
});

const PW = 'pa$$w0rd-with-"quotes"';
const pgSpec = (extra: Record<string, unknown> = {}, env: Record<string, string> = {}) => ({
  image: 'voodu-test/postgres:15',
  replicas: 3,
  env: { POSTGRES_USER: 'app', POSTGRES_DB: 'appdb', PG_PORT: '5433', PGDATA: '/var/lib/postgresql/data/pgdata', ...env },
  ...extra,
});
const dirOf = (scope: string, name: string) => join(root, scope, name);

/** Runs one command as the controller would: {code, data | error}, and what it wrote on stderr (progress). */
async function call(command: string, args: string[]) {
  let out = '';
  let err = '';
  let code = 0;
  let progress = '';
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: any) => {
    progress += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    await main([command, ...args], { PATH: process.env.PATH, VOODU_POSTGRES_BACKUP_ROOT: root }, {
      stdin: async () => JSON.stringify({ plugin: 'postgres', command, controller_url: fake.url, plugin_dir: '/tmp', node_name: 'voodu-0' }),
      out: (s) => (out += s),
      err: (s) => (err += s),
      exit: (c) => (code = c),
    });
  } finally {
    process.stderr.write = write;
  }
  if (code !== 0) return { code, error: JSON.parse(err).error as string, data: undefined as any, progress };
  return { code, data: JSON.parse(out).data, error: undefined as string | undefined, progress };
}

/** A capture job's container as `docker inspect` shows it. */
function jobContainer(scope: string, name: string, n: number, state: { Status: string; ExitCode?: number }, created = '2024-01-01T00:00:00Z'): Record<string, unknown> {
  return {
    Id: `id-${name}-${n}-${state.Status}`,
    Name: `/${scope}-${jobName(name, n)}.ab${n}`,
    Created: created,
    State: { ExitCode: 0, ...state },
    Config: { Labels: { 'voodu.kind': 'job', 'voodu.scope': scope, 'voodu.name': jobName(name, n), 'voodu.role': 'backup', [BACKUP_LABEL]: `${scope}/${name}`, 'voodu.postgres.backup_id': formatId(n) } },
  };
}

function cronContainer(scope: string, name: string, id: string, state: { Status: string; ExitCode?: number }): Record<string, unknown> {
  return {
    Id: `cron-${id}`,
    Name: `/${scope}-${cronjobName(name)}.${id}`,
    Created: '2024-01-02T00:00:00Z',
    State: { ExitCode: 0, ...state },
    Config: { Labels: { 'voodu.kind': 'cronjob', 'voodu.scope': scope, 'voodu.name': cronjobName(name), 'voodu.role': 'cronjob', [BACKUP_LABEL]: `${scope}/${name}` } },
  };
}

async function touchBackup(scope: string, name: string, file: string, bytes = 10) {
  await mkdir(dirOf(scope, name), { recursive: true });
  await writeFile(join(dirOf(scope, name), file), Buffer.alloc(bytes));
}

// ---------------------------------------------------------------- names

test.serial('ids: b001 padding, unpadded from 1000; parse accepts b7 / b007 / b0007 and nothing else', (t) => {
  t.is(formatId(1), 'b001');
  t.is(formatId(42), 'b042');
  t.is(formatId(999), 'b999');
  t.is(formatId(1000), 'b1000');
  t.throws(() => formatId(0));
  for (const s of ['b7', 'b007', 'b0007', 'B7', ' b7 ']) t.is(parseId(s), 7, s);
  for (const s of ['', '7', 'b', 'b-1', 'b7x', 'x7', 'b0', 'bb7', 'b1.5']) t.is(parseId(s), undefined, s);
});

test.serial('file names: bNNN-YYYYMMDDTHHMMSSZ.dump in UTC, parsed back exactly; junk and impossible dates are not ours', (t) => {
  const at = new Date('2024-03-05T07:08:09.123+02:00');
  t.is(stamp(at), '20240305T050809Z', 'UTC, to the second');
  const name = backupFilename(3, at);
  t.is(name, 'b003-20240305T050809Z.dump');
  const back = parseFilename(name)!;
  t.is(back.number, 3);
  t.is(back.id, 'b003');
  t.is(back.createdAt.toISOString(), '2024-03-05T05:08:09.000Z');
  t.is(backupFilename(back.number, back.createdAt), name, 'round-trip');
  t.is(parseFilename('b1234-20240101T000000Z.dump')!.id, 'b1234');
  for (const bad of ['b003-20240305T050809Z.dump.partial', 'b003-20240231T000000Z.dump', 'b003-20240305T050809.dump', 'x003-20240305T050809Z.dump', 'b000-20240305T050809Z.dump', 'b003-2024030T050809Z.dump', 'readme.txt', '']) {
    t.is(parseFilename(bad), undefined, bad);
  }
  t.is(partialFilename(name), '.b003-20240305T050809Z.dump.partial');
  t.is(parsePartialFilename(partialFilename(name))!.number, 3);
  t.is(parsePartialFilename(name), undefined);
});

test.serial('next id: 1 when empty, max + 1, gaps never filled, junk ignored', (t) => {
  t.is(nextNumber([]), 1);
  t.is(nextNumber([1, 2, 3]), 4);
  t.is(nextNumber([1, 7, 3]), 8, 'gaps are not filled');
  t.is(nextNumber([undefined, 2, Number.NaN, 1.5]), 3);
});

test.serial('job and cronjob names: <name>.bk.bNNN (what delete and cancel target) and <name>-backup', (t) => {
  t.is(jobName('db', 7), 'db.bk.b007');
  t.is(parseJobName('db', 'db.bk.b007'), 7);
  t.is(parseJobName('db', 'db.bk.b1000'), 1000);
  for (const bad of ['other.bk.b007', 'db.bk.007', 'db.bk.b007x', 'db-backup-b007', 'db.rs.b007', 'db.bk.b', 'db.bk.bxyz']) t.is(parseJobName('db', bad), undefined, bad);
  t.is(cronjobName('db'), 'db-backup');
});

// ---------------------------------------------------------------- retention

test.serial('durations: d, w, and h/m/s mixed; negative, empty and unknown units refused; short form back', (t) => {
  t.is(parseDuration('7d'), 7 * 86_400_000);
  t.is(parseDuration('2w'), 14 * 86_400_000);
  t.is(parseDuration('36h'), 36 * 3_600_000);
  t.is(parseDuration('1h30m'), 90 * 60_000);
  t.is(parseDuration('1w2d'), 9 * 86_400_000);
  t.is(parseDuration('45s'), 45_000);
  t.is(parseDuration('0'), 0);
  for (const bad of ['-1d', '', '7', '1y', 'd', '1.5h', '7 d', 'abc']) t.throws(() => parseDuration(bad), undefined, bad);
  t.is(formatDuration(7 * 86_400_000), '1w');
  t.is(formatDuration(14 * 86_400_000), '2w');
  t.is(formatDuration(86_400_000), '1d');
  t.is(formatDuration(90 * 60_000), '1h30m');
  t.is(formatDuration(36 * 3_600_000), '36h');
});

test.serial('policy: describe, zero, bucket per axis (malformed ignored, the other kept), flags win per axis', (t) => {
  t.true(isZero({ keep: 0, maxAgeMs: 0 }));
  t.false(isZero({ keep: 3, maxAgeMs: 0 }));
  t.is(describePolicy({ keep: 0, maxAgeMs: 0 }), '(none)');
  t.is(describePolicy({ keep: 30, maxAgeMs: 0 }), 'keep 30');
  t.is(describePolicy({ keep: 0, maxAgeMs: 604_800_000 }), 'max-age 1w');
  t.is(describePolicy({ keep: 10, maxAgeMs: 86_400_000 }), 'keep 10, max-age 1d');
  t.deepEqual(policyFromConfig({ BACKUP_KEEP: '30' }), { keep: 30, warnings: [] });
  t.deepEqual(policyFromConfig({ BACKUP_KEEP: ' ', BACKUP_MAX_AGE: '' }), { warnings: [] });
  const bad = policyFromConfig({ BACKUP_KEEP: 'lots', BACKUP_MAX_AGE: '2w' });
  t.is(bad.keep, undefined);
  t.is(bad.maxAgeMs, 14 * 86_400_000, 'the good axis survives');
  t.regex(bad.warnings[0]!, /BACKUP_KEEP: "lots" is not a count/);
  t.deepEqual(mergePolicy({ maxAgeMs: 1000 }, { keep: 30, maxAgeMs: 5 }), { keep: 30, maxAgeMs: 1000 }, '--max-age keeps the bucket count');
  t.deepEqual(mergePolicy({ keep: 0 }, { keep: 30 }), { keep: 0, maxAgeMs: 0 }, '--keep 0 lifts the bucket count');
  t.deepEqual(retentionFlags({ '--keep': '7', '--max-age': '2w' }), { keep: 7, maxAgeMs: 14 * 86_400_000 });
  t.throws(() => retentionFlags({ '--keep': '-1' }), { message: /--keep: "-1" is not a count.*--keep 7/ });
  t.throws(() => retentionFlags({ '--max-age': '-3d' }), { message: /--max-age: "-3d" is negative/ });
});

test.serial('retention: newest first by file time; rank ≥ keep or older than max-age (strictly) goes; input untouched', (t) => {
  const now = new Date('2024-01-31T00:00:00Z');
  const day = 86_400_000;
  const b = (number: number, daysAgo: number) => ({ number, createdAt: new Date(now.getTime() - daysAgo * day) });
  const all = [b(1, 30), b(2, 20), b(3, 10), b(4, 7), b(5, 1)];
  const copy = JSON.stringify(all);
  t.deepEqual(applyRetention(all, { keep: 0, maxAgeMs: 0 }, now).removed, []);
  t.deepEqual(applyRetention(all, { keep: 2, maxAgeMs: 0 }, now).removed.map((x) => x.number), [3, 2, 1]);
  t.deepEqual(applyRetention(all, { keep: 9, maxAgeMs: 0 }, now).removed, []);
  t.deepEqual(applyRetention(all, { keep: 0, maxAgeMs: 7 * day }, now).removed.map((x) => x.number), [3, 2, 1], 'exactly 7 days old is kept');
  t.deepEqual(applyRetention(all, { keep: 4, maxAgeMs: 15 * day }, now).removed.map((x) => x.number), [2, 1], 'either axis removes');
  t.deepEqual(applyRetention([b(9, 1), b(8, 1)], { keep: 1, maxAgeMs: 0 }, now).kept.map((x) => x.number), [9], 'same second: the higher number is newer');
  t.is(JSON.stringify(all), copy);
});

// ---------------------------------------------------------------- sizes and progress

test.serial('sizes, rates and the progress line', (t) => {
  t.is(formatSize(0), '0 B');
  t.is(formatSize(512), '512 B');
  t.is(formatSize(1024), '1.0 KB');
  t.is(formatSize(245.3 * 1024 * 1024), '245.3 MB');
  t.is(formatSize(1.5 * 1024 ** 3), '1.5 GB');
  t.is(formatSize(2 * 1024 ** 4), '2.0 TB');
  t.is(formatRate(10 * 1024 * 1024, 2), '5.0 MB/s');
  t.is(formatRate(1, 0), '-');
  t.is(progressLine({ id: 'b003', bytes: 10 * 1024 * 1024, seconds: 2, estimate: 100 * 1024 * 1024 }), 'backup b003: 10.0 MB written of a 100.0 MB database (~10%, compressed), 5.0 MB/s, 2 s');
  t.is(progressLine({ id: 'b003', bytes: 5 * 1024 * 1024, seconds: 3 }), 'backup b003: 5.0 MB written, 1.7 MB/s, 3 s');
  t.is(progressLine({ id: 'b003', bytes: 300, seconds: 1, estimate: 100 }), 'backup b003: 300 B written (database 100 B), 0.0 MB/s, 1 s', 'past 200 % the share is left out');
  t.is(progressLine({ id: 'b003', bytes: 0, seconds: 3, estimate: 1000 }), 'backup b003: starting (nothing written yet) of a 1000 B database (~0%, compressed), 3 s');
});

// ---------------------------------------------------------------- URL download

test.serial('download: http(s) only; streams the bytes to the file; a 404 names its status', async (t) => {
  t.true(isHttpUrl('https://x.example/db.dump'));
  t.true(isHttpUrl('http://127.0.0.1:9/a'));
  for (const bad of ['ftp://x/a', 'file:///etc/passwd', 'b003', '/tmp/x.dump', 'https://']) t.false(isHttpUrl(bad), bad);
  t.is(safeUrl('https://u:p@x.example/a.dump?X-Sig=secret'), 'https://x.example/a.dump?…', 'no credentials, no signature');
  const payload = Buffer.alloc(3 * 1024 * 1024, 7);
  const srv = createServer((req, res) => {
    if (req.url === '/ok.dump') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(payload);
    } else {
      res.writeHead(404);
      res.end('no');
    }
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  try {
    const dest = join(work, 'dl.dump');
    t.is(await downloadToFile(`http://127.0.0.1:${port}/ok.dump`, dest), payload.length);
    t.true((await readFile(dest)).equals(payload));
    await t.throwsAsync(downloadToFile(`http://127.0.0.1:${port}/missing.dump`, join(work, 'x.dump')), { message: /404/ });
  } finally {
    await new Promise((r) => srv.close(r));
  }
});

// ---------------------------------------------------------------- listing

test.serial('listing: files complete, running job running (partial size), failed job failed, pruned job hidden, stale partial failed', async (t) => {
  const dir = dirOf('prod', 'db');
  await touchBackup('prod', 'db', 'b001-20240101T000000Z.dump', 100);
  await touchBackup('prod', 'db', 'b002-20240102T000000Z.dump', 200);
  await touchBackup('prod', 'db', '.b005-20240105T000000Z.dump.partial', 50);
  await touchBackup('prod', 'db', 'notes.txt', 5);
  const { files, partials } = await readBackupDir(dir);
  t.deepEqual(files.map((f) => f.id), ['b001', 'b002']);
  t.deepEqual(partials.map((f) => f.id), ['b005']);
  t.deepEqual(await readBackupDir(join(work, 'nope')), { files: [], partials: [] });

  const inspect = JSON.stringify([
    jobContainer('prod', 'db', 2, { Status: 'exited', ExitCode: 0 }),
    jobContainer('prod', 'db', 3, { Status: 'exited', ExitCode: 1 }),
    jobContainer('prod', 'db', 4, { Status: 'exited', ExitCode: 0 }),
    jobContainer('prod', 'db', 5, { Status: 'running' }),
    jobContainer('prod', 'other', 6, { Status: 'running' }),
    jobContainer('staging', 'db', 7, { Status: 'running' }),
  ]);
  const containers = parseContainers(inspect, 'prod', 'db');
  t.deepEqual(containers.map((c) => c.number), [2, 3, 4, 5], "another cluster's and another scope's are not ours");
  const rows = mergeListing({ files, partials, containers });
  t.deepEqual(
    rows.map((r) => [r.id, r.status, r.size_bytes]),
    [
      ['b001', 'complete', 100],
      ['b002', 'complete', 200],
      ['b003', 'failed', 0],
      ['b005', 'running', 50],
    ],
  );
  t.is(rows[2]!.error, 'exit 1');
  t.is(rows[1]!.job, 'db.bk.b002');
  // The same partial with nobody writing: interrupted.
  const stale = mergeListing({ files, partials, containers: containers.filter((c) => c.number !== 5) });
  t.is(stale.find((r) => r.id === 'b005')!.status, 'failed');
  // A scheduled run writing: its number comes from its log; a partial with a live cronjob run is running.
  const cron = parseContainers(JSON.stringify([cronContainer('prod', 'db', 'c0de', { Status: 'running' })]), 'prod', 'db');
  t.is(cron[0]!.kind, 'cronjob');
  t.is(mergeListing({ files, partials, containers: cron }).find((r) => r.id === 'b005')!.status, 'running');
  t.is(idFromLog('voodu-postgres: backup b012 of prod/db -> /backups/b012-….dump'), 12);
  t.is(idFromLog('nothing here'), undefined);
});

test.serial('resolve by id: padding variants, not found lists the ids, none says capture, bad shapes refused', (t) => {
  const rows = mergeListing({
    files: [1, 7].map((n) => ({ number: n, id: formatId(n), filename: backupFilename(n, new Date('2024-01-01')), createdAt: new Date('2024-01-01'), sizeBytes: 1, path: `/x/${n}` })),
  });
  for (const s of ['b7', 'b007', 'b0007']) t.is(resolveBackup(rows, s, 'prod/db').number, 7, s);
  t.throws(() => resolveBackup(rows, 'b9', 'prod/db'), { message: /backup b009: not found for postgres prod\/db; it has b001, b007/ });
  t.throws(() => resolveBackup([], 'b1', 'prod/db'), { message: /no backups yet; capture one with voodu pg:backups:capture prod\/db/ });
  t.throws(() => resolveBackup(rows, '', 'prod/db'), { message: /missing/ });
  t.throws(() => resolveBackup(rows, 'seven', 'prod/db'), { message: /"seven": not a backup id/ });
});

test.serial('stale jobs: finished well and file gone → delete_manifest; failed and complete ones stay', (t) => {
  const containers: BackupContainer[] = parseContainers(
    JSON.stringify([jobContainer('prod', 'db', 1, { Status: 'exited', ExitCode: 0 }), jobContainer('prod', 'db', 2, { Status: 'exited', ExitCode: 0 }), jobContainer('prod', 'db', 3, { Status: 'exited', ExitCode: 2 })]),
    'prod',
    'db',
  );
  t.deepEqual(staleJobActions('prod', { files: [{ number: 2 }], containers }), [{ type: 'delete_manifest', kind: 'job', scope: 'prod', name: 'db.bk.b001', prune: true, summary: 'removed finished job prod/db.bk.b001 (its file is gone)' }]);
});

test.serial('text table and the empty hint', (t) => {
  t.regex(renderTable('prod/db', []), /=== Backups for prod\/db\n\(no backups yet\)\n {2}capture one: voodu pg:backups:capture prod\/db/);
  const table = renderTable('prod/db', [{ id: 'b001', number: 1, status: 'complete', filename: 'f', created_at: '2024-01-01T03:00:00.000Z', size_bytes: 2048 }]);
  t.regex(table, /ID\s+Status\s+Created at\s+Size\nb001\s+complete\s+2024-01-01 03:00:00Z\s+2\.0 KB/);
});

test.serial('logs: stdout and stderr merged by time', (t) => {
  t.is(mergeStreams('2024-01-01T00:00:01Z a\n2024-01-01T00:00:03Z c\n', '2024-01-01T00:00:02Z b\n'), 'a\nb\nc');
});

// ---------------------------------------------------------------- the dump script, run by bash

const fakeTools = async (dir: string, primary: number) => {
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'pg_dump'),
    `#!/bin/bash\nprintf '%s\\n' "$*" > "$DUMP_ARGS"\n[ -n "$FAIL_DUMP" ] && { echo half > "\${@: -1}"; exit 3; }\nwhile [ $# -gt 0 ]; do case $1 in -f) out=$2; shift;; esac; shift; done\nprintf 'PGDMP%s' "$PGPASSWORD" > "$out"\n`,
  );
  await writeFile(join(dir, 'psql'), `#!/bin/bash\nfor a; do [ "$a" = "db-${primary}.prod.voodu" ] && { echo f; exit 0; }; done\necho t\n`);
  await chmod(join(dir, 'pg_dump'), 0o755);
  await chmod(join(dir, 'psql'), 0o755);
};

async function runScript(script: string, env: Record<string, string>) {
  const file = join(work, 'script.sh');
  await writeFile(file, script);
  try {
    const r = await run('bash', [file], { env: { PATH: `${join(work, 'bin')}:${process.env.PATH}`, DUMP_ARGS: join(work, 'dump-args'), ...env } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const scriptBase = { ref: 'prod/db', name: 'db', hostPrefix: 'db-', suffix: '.prod.voodu', replicas: 3, user: 'app', db: 'appdb', port: 5433 };

test.serial('dump script (schedule form): next id, primary from PG_PRIMARY_ORDINAL checked, env user/port, rename, retention from the env', async (t) => {
  const dir = join(work, 'script-bk');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await fakeTools(join(work, 'bin'), 2);
  const now = Date.now();
  const old = backupFilename(1, new Date(now - 30 * 86_400_000));
  const mid = backupFilename(4, new Date(now - 3 * 86_400_000));
  const recent = backupFilename(2, new Date(now - 86_400_000));
  for (const f of [old, mid, recent, 'junk.txt']) await writeFile(join(dir, f), 'x');
  await writeFile(join(dir, `.${backupFilename(6, new Date(now - 1000))}.partial`), 'x'); // someone else's dump in flight: its id is taken
  const script = dumpScript({ ...scriptBase, keep: null, maxAgeS: null, envOverrides: true, dir });
  t.notRegex(script, /pa\$\$w0rd/);
  const r = await runScript(script, { POSTGRES_PASSWORD: 'sekret', PG_PRIMARY_ORDINAL: '1', PG_PORT: '6000', POSTGRES_USER: 'owner', POSTGRES_DB: 'prod', BACKUP_KEEP: '3', BACKUP_MAX_AGE: '1w' });
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /voodu-postgres: backup b007 of prod\/db/);
  const args = await readFile(join(work, 'dump-args'), 'utf8');
  t.regex(args, /^-h db-2\.prod\.voodu -p 6000 -U owner -d prod -F c -Z 6 -f \S+\/\.b007-\d{8}T\d{6}Z\.dump\.partial$/m, 'pod 1 is not the primary: the script found pod 2');
  const names = (await readdir(dir)).sort();
  const made = names.find((n) => n.startsWith('b007-'))!;
  t.truthy(made);
  t.is(await readFile(join(dir, made), 'utf8'), 'PGDMPsekret', 'PGPASSWORD came from POSTGRES_PASSWORD');
  t.false(names.includes(old), 'older than 1w: removed');
  t.true(names.includes(mid) && names.includes(recent), 'within keep 3 and 1w');
  t.true(names.includes('junk.txt'));
  t.regex(r.stdout, new RegExp(`retention: removed ${old}`));
});

test.serial('dump script (capture form): fixed file and host, baked retention; a failed pg_dump leaves no file and exits with its code', async (t) => {
  const dir = join(work, 'script-bk2');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await fakeTools(join(work, 'bin'), 0);
  for (const n of [1, 2, 3]) await writeFile(join(dir, backupFilename(n, new Date(Date.now() - (10 - n) * 1000))), 'x');
  const file = backupFilename(4, new Date());
  const script = dumpScript({ ...scriptBase, filename: file, ordinal: 1, keep: 2, maxAgeS: 0, dir });
  const ok = await runScript(script, { POSTGRES_PASSWORD: 'p', BACKUP_KEEP: '99' });
  t.is(ok.code, 0, ok.stderr);
  t.regex(await readFile(join(work, 'dump-args'), 'utf8'), /^-h db-1\.prod\.voodu -p 5433 -U app -d appdb /, 'a fixed pod is not second-guessed');
  const left = (await readdir(dir)).sort();
  t.deepEqual(left.map((n) => n.slice(0, 4)), ['b003', 'b004'], 'keep 2 baked in, the env BACKUP_KEEP ignored');

  const failFile = backupFilename(5, new Date());
  const failed = await runScript(dumpScript({ ...scriptBase, filename: failFile, ordinal: 0, keep: 1, maxAgeS: 0, dir }), { POSTGRES_PASSWORD: 'p', FAIL_DUMP: '1' });
  t.is(failed.code, 3);
  t.regex(failed.stderr, /pg_dump failed \(exit 3\); no file kept/);
  t.deepEqual((await readdir(dir)).sort().map((n) => n.slice(0, 4)), ['b003', 'b004'], 'no partial, no final, retention not run');

  const nopw = await runScript(script, {});
  t.is(nopw.code, 2);
  t.regex(nopw.stderr, /no POSTGRES_PASSWORD in this container's env: it comes from the env file of prod\/db \(env_from "db"\)/);
});

test.serial('dump script: no pod answers as primary → a clear failure naming the ordinals tried', async (t) => {
  await fakeTools(join(work, 'bin'), 9);
  const r = await runScript(dumpScript({ ...scriptBase, keep: 0, maxAgeS: 0, envOverrides: true, dir: join(work, 'script-bk3') }), { POSTGRES_PASSWORD: 'p', PG_PRIMARY_ORDINAL: '2' });
  t.is(r.code, 3);
  t.regex(r.stderr, /no pod of prod\/db answers as a primary \(tried ordinals 2 0 1\)/);
});

// ---------------------------------------------------------------- the schedule's HCL

const cluster = (spec = pgSpec(), config: Record<string, string> = { POSTGRES_PASSWORD: PW }) => describeCluster({ scope: 'prod', name: 'db', spec, config });

test.serial('schedule HCL: the CLI loads it into exactly the cronjob --apply stores; no secret in it', async (t) => {
  const m = scheduleCronjob(cluster(), { schedule: '30 2 * * *', keep: 14, hostDir: '/opt/voodu/backups/prod/db' });
  const hcl = cronjobHcl(m, ['a comment']);
  t.notRegex(hcl, /pa\$\$w0rd/);
  t.regex(hcl, /^# a comment\ncronjob "prod" "db-backup" \{/);
  const [loaded] = await loadManifests({ files: ['-'], format: 'hcl', stdin: hcl, cwd: work, env: {} });
  const spec = loaded!.manifest.spec as any;
  t.is(loaded!.manifest.kind, 'cronjob');
  t.is(loaded!.manifest.name, 'db-backup');
  t.is(spec.schedule, '30 2 * * *');
  t.is(spec.concurrency_policy, 'Forbid');
  t.is(spec.job.image, 'voodu-test/postgres:15', "the cluster's own image");
  t.deepEqual(spec.job.env_from, ['db']);
  t.deepEqual(spec.job.volumes, ['/opt/voodu/backups/prod/db:/backups:rw']);
  t.deepEqual(spec.job.labels, { [BACKUP_LABEL]: 'prod/db' });
  t.deepEqual(spec.job.command, m.spec.job.command, 'the script survives HCL byte for byte (${…} and quotes escaped)');
  t.regex(m.spec.job.command[2], /primary=\$\{PG_PRIMARY_ORDINAL:-0\}/);
  t.regex(m.spec.job.command[2], /^keep=14$/m);
  t.regex(m.spec.job.command[2], /BACKUP_MAX_AGE/, 'the age axis is read at run time');
  t.is(hclString('a"b\\c${x}%{y}\n'), '"a\\"b\\\\c$${x}%%{y}\\n"');
});

test.serial('cron check: 5 fields or an @ name', (t) => {
  t.is(cronProblem('0 3 * * *'), undefined);
  t.is(cronProblem('*/15 * * * 1-5'), undefined);
  t.is(cronProblem('@daily'), undefined);
  t.regex(cronProblem('0 3 * *')!, /has 4 fields/);
  t.regex(cronProblem('@sometimes')!, /not a known @ schedule/);
  t.regex(cronProblem('')!, /empty/);
});

// ---------------------------------------------------------------- commands

const setupCluster = (spec = pgSpec(), bucket: Record<string, string> = { POSTGRES_PASSWORD: PW, PG_PRIMARY_ORDINAL: '1', BACKUP_KEEP: '30' }) => {
  fake.specs['prod/db'] = spec;
  fake.buckets['prod/db'] = bucket;
};

test.serial('capture (detached): a job <name>.bk.bNNN on the cluster image, from the current primary, no password in the manifest', async (t) => {
  setupCluster();
  setWorld({ pods: { 'prod-db.1': { running: true } } });
  await touchBackup('prod', 'db', 'b004-20240101T000000Z.dump');
  fake.manifests = [{ kind: 'job', scope: 'prod', name: 'db.bk.b006', spec: {} }];
  const r = await call('backups:capture', ['prod/db', '--max-age', '2w']);
  t.is(r.code, 0, r.error);
  const [apply, runJob] = r.data.actions;
  t.is(apply.type, 'apply_manifest');
  t.is(apply.manifest.kind, 'job');
  t.is(apply.manifest.scope, 'prod');
  t.is(apply.manifest.name, 'db.bk.b007', 'after the file b004 and the queued job b006');
  t.is(apply.summary, 'job manifest applied: prod/db.bk.b007');
  const spec = apply.manifest.spec;
  t.is(spec.image, 'voodu-test/postgres:15');
  t.deepEqual(spec.env_from, ['db']);
  t.deepEqual(spec.volumes, [`${dirOf('prod', 'db')}:/backups:rw`]);
  t.is(spec.labels['voodu.role'], 'backup');
  t.is(spec.labels[BACKUP_LABEL], 'prod/db');
  t.deepEqual(spec.command.slice(0, 2), ['bash', '-c']);
  t.regex(spec.command[2], /^host='db-1\.prod\.voodu'$/m, 'PG_PRIMARY_ORDINAL=1');
  t.regex(spec.command[2], /^port=5433$/m);
  t.regex(spec.command[2], /^user='app'$/m);
  t.regex(spec.command[2], /^db='appdb'$/m);
  t.regex(spec.command[2], /pg_dump -h "\$host" -p "\$port" -U "\$user" -d "\$db" -F c -Z 6 -f "\$partial"/);
  t.regex(spec.command[2], /^keep=30$/m, 'the bucket count');
  t.regex(spec.command[2], /^max_age=1209600$/m, '--max-age 2w overrides only its axis');
  t.regex(spec.command[2], /^file='b007-\d{8}T\d{6}Z\.dump'$/m);
  t.false(JSON.stringify(r.data).includes(PW), 'the password is nowhere in the answer');
  t.deepEqual(runJob, { type: 'run_job', scope: 'prod', name: 'db.bk.b007', summary: 'backup b007 dispatched' });
  t.regex(r.data.message, /backup b007 of prod\/db dispatched: job prod\/db\.bk\.b007 runs pg_dump -F c from pod 1 \(the primary\)/);
  t.regex(r.data.message, /retention when it completes: keep 30, max-age 2w/);
});

test.serial('capture: --from-replica, an HCL password, and the refusals that name the flag and the fix', async (t) => {
  // HCL password: only in the spec env, nothing in the bucket.
  setupCluster(pgSpec({}, { POSTGRES_PASSWORD: 'from-hcl' }), {});
  setWorld({ pods: { 'prod-db.2': { running: true }, 'prod-db.0': { running: false, status: 'exited' } } });
  const ok = await call('backups:capture', ['--from-replica', '2', 'prod/db', '--keep', '3']);
  t.is(ok.code, 0, ok.error);
  t.regex(ok.data.actions[0].manifest.spec.command[2], /^host='db-2\.prod\.voodu'$/m);
  t.regex(ok.data.actions[0].manifest.spec.command[2], /^keep=3$/m);
  t.regex(ok.data.message, /from pod 2 \(a standby\)/);
  t.false(JSON.stringify(ok.data).includes('from-hcl'));

  const down = await call('backups:capture', ['prod/db']);
  t.regex(down.error!, /pod 0 \(prod-db\.0, the primary\) is exited, so there is nothing to dump from; start it \(voodu restart\) or pick another pod with --from-replica N/);
  t.regex((await call('backups:capture', ['prod/db', '--from-replica', '5'])).error!, /--from-replica 5: postgres prod\/db has 3 pods \(ordinals 0\.\.2\)/);
  t.regex((await call('backups:capture', ['prod/db', '--keep', '-1'])).error!, /--keep: "-1" is not a count/);
  t.regex((await call('backups:capture', ['prod/db', '--max-age', '1y'])).error!, /--max-age: "1y" is not a duration/);
  t.regex((await call('backups:capture', ['prod/db', '--from-replica'])).error!, /--from-replica: needs a value/);
  t.regex((await call('backups:capture', ['db'])).error!, /needs its scope, as <scope>\/<name>/);
  setupCluster(pgSpec(), {});
  t.regex((await call('backups:capture', ['prod/db'])).error!, /no POSTGRES_PASSWORD in config bucket/);
  t.regex((await call('backups:capture', ['prod/nope'])).error!, /postgres prod\/nope: not found/);
});

test.serial('capture --follow: stores the job, runs it through /jobs/run, reports progress every ~3 s and the size and MB/s', async (t) => {
  setupCluster();
  setWorld({ pods: { 'prod-db.1': { running: true } }, psql: String(10 * 1024 * 1024) });
  runMs = 3600;
  const r = await call('backups:capture', ['prod/db', '-f']);
  t.is(r.code, 0, r.error);
  t.is(fake.manifests.length, 1);
  t.is(fake.manifests[0]!.name, 'db.bk.b001');
  t.true(fake.requests.some((q) => q.startsWith('POST /jobs/run?scope=prod&name=db.bk.b001&follow=true')));
  t.regex(r.progress, /backup b001: 512\.0 KB written of a 10\.0 MB database \(~5%, compressed\)/, 'a progress line while it ran');
  t.regex(r.progress, /voodu-postgres: backup b001 of prod\/db/, "the job's own output is relayed");
  t.regex(r.data.message, /backup b001 of prod\/db complete: b001-\d{8}T\d{6}Z\.dump, 1\.0 MB in \d+\.\d s \(\d+\.\d MB\/s written; database 10\.0 MB at \d+\.\d MB\/s\), pg_dump from pod 1 \(the primary\)/);
  t.regex(r.data.message, /retention keep 30: removed b001-20240101T000000Z\.dump/);
  t.deepEqual(r.data.actions, []);
  const files = await readdir(dirOf('prod', 'db'));
  t.is(files.filter((f) => f.startsWith('b001-')).length, 1);

  runMs = 10;
  runFails = true;
  fake.manifests = [];
  const bad = await call('backups:capture', ['prod/db', '--follow', '-o', 'json']);
  t.regex(bad.error!, /backup b002 of prod\/db failed: job\/prod\/db\.bk\.b002 run ab12 exited 1 — .*pg_dump: error: connection refused; no file was kept/);
  t.false((await readdir(dirOf('prod', 'db'))).some((f) => f.includes('b002')));
});

test.serial('backups: -o json lists files and containers with status and size; a scope lists each of its clusters', async (t) => {
  await touchBackup('prod', 'db', 'b001-20240101T000000Z.dump', 1000);
  await touchBackup('prod', 'db', '.b003-20240103T000000Z.dump.partial', 70);
  await touchBackup('prod', 'web', 'b001-20240101T000000Z.dump', 5);
  setWorld({ backupContainers: [jobContainer('prod', 'db', 2, { Status: 'exited', ExitCode: 1 }), jobContainer('prod', 'db', 3, { Status: 'running' })] });
  const one = await call('backups', ['prod/db', '-o', 'json']);
  t.is(one.code, 0, one.error);
  const parsed = JSON.parse(one.data.message);
  t.is(parsed.ref, 'prod/db');
  t.deepEqual(
    parsed.backups.map((b: any) => [b.id, b.status, b.size_bytes]),
    [
      ['b001', 'complete', 1000],
      ['b002', 'failed', 0],
      ['b003', 'running', 70],
    ],
  );
  t.is(parsed.backups[0].filename, 'b001-20240101T000000Z.dump');
  t.is(parsed.backups[0].created_at, '2024-01-01T00:00:00.000Z');
  const scope = JSON.parse((await call('backups', ['prod', '-o', 'json'])).data.message);
  t.deepEqual(Object.keys(scope).sort(), ['prod/db', 'prod/web']);
  const text = (await call('backups', ['prod/db'])).data.message;
  t.regex(text, /=== Backups for prod\/db\nID\s+Status/);
  t.regex(text, /b002\s+failed \(exit 1\)/);
  t.regex((await call('backups', ['prod/none'])).data.message, /\(no backups yet\)/);
  t.regex((await call('backups', ['prod/db', '-o', 'yaml'])).error!, /--output "yaml": use -o json/);
});

test.serial('restore: refused without --yes (naming it); pg_restore --clean … into the primary, password not in argv', async (t) => {
  setupCluster();
  await touchBackup('prod', 'db', 'b002-20240102T000000Z.dump', 4096);
  setWorld({ pods: { 'prod-db.1': { running: true } } });
  const no = await call('backups:restore', ['prod/db', 'b2']);
  t.regex(no.error!, /^--yes: required — restore drops and recreates every object in b002 \(b002-20240102T000000Z\.dump, 4\.0 KB\) in database appdb of prod\/db \(primary: pod 1, prod-db\.1\).*voodu pg:backups:restore prod\/db b002 --yes/);
  t.is(dockerCalls().filter((c) => c.args[0] === 'exec').length, 0, 'nothing ran');
  const ok = await call('backups:restore', ['prod/db', 'b002', '--yes']);
  t.is(ok.code, 0, ok.error);
  const calls = dockerCalls();
  const restore = calls.find((c) => c.args.includes('pg_restore') && !c.args.includes('--list'))!;
  t.deepEqual(restore.args, ['exec', '-e', 'PGPASSWORD', 'prod-db.1', 'pg_restore', '-U', 'app', '-d', 'appdb', '-p', '5433', '--clean', '--if-exists', '--no-owner', '--no-privileges', '--single-transaction', '--exit-on-error', '/backups/b002-20240102T000000Z.dump']);
  t.is(restore.pgpassword, PW, 'the password rides in the env');
  t.false(calls.some((c) => c.args.join(' ').includes(PW)));
  t.regex(ok.data.message, /restored b002 .* into prod\/db \(database appdb, primary pod 1\): 2 archive entries/);
  t.regex((await call('backups:restore', ['prod/db', 'b9', '--yes'])).error!, /backup b009: not found for postgres prod\/db; it has b002/);
  t.regex((await call('backups:restore', ['prod/db', 'ftp://x/y.dump', '--yes'])).error!, /only http:\/\/ and https:\/\/ URLs/);
  setWorld({ pods: { 'prod-db.1': { running: true } }, restoreCode: 1 });
  t.regex((await call('backups:restore', ['prod/db', 'b002', '--yes'])).error!, /pg_restore into prod\/db failed \(exit 1\), nothing was changed \(one transaction\): pg_restore: error: boom/);
});

test.serial('restore from a URL: downloaded on the host, docker cp into the pod, removed after; a 404 says 404', async (t) => {
  setupCluster();
  setWorld({ pods: { 'prod-db.1': { running: true } } });
  const srv = createServer((req, res) => {
    if (req.url === '/db.dump') {
      res.writeHead(200);
      res.end(Buffer.alloc(2048, 1));
    } else {
      res.writeHead(404, 'Not Found');
      res.end();
    }
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  try {
    const ok = await call('backups:restore', ['prod/db', `http://127.0.0.1:${port}/db.dump`, '-y']);
    t.is(ok.code, 0, ok.error);
    const calls = dockerCalls().map((c) => c.args);
    const cp = calls.find((a) => a[0] === 'cp')!;
    t.regex(cp[1]!, /voodu-pg-restore-.*\/restore\.dump$/);
    t.regex(cp[2]!, /^prod-db\.1:\/tmp\/vdrestore-\d+\.dump$/);
    const inPod = cp[2]!.split(':')[1]!;
    t.true(calls.some((a) => a.join(' ') === `exec -u 0 prod-db.1 rm -f ${inPod}`), 'the copy in the pod is removed');
    t.true(calls.some((a) => a.includes('pg_restore') && a[a.length - 1] === inPod));
    await t.throwsAsync(stat(cp[1]!), undefined, 'the host copy is removed');
    const missing = await call('backups:restore', ['prod/db', `http://127.0.0.1:${port}/gone.dump`, '--yes']);
    t.regex(missing.error!, /404/);
  } finally {
    await new Promise((r) => srv.close(r));
  }
});

test.serial('download: a fetch_file of the host file, default dest its name, --to honoured', async (t) => {
  await touchBackup('prod', 'db', 'b003-20240103T000000Z.dump', 333);
  const r = await call('backups:download', ['prod/db', 'b3']);
  t.is(r.code, 0, r.error);
  t.deepEqual(r.data.actions, [{ type: 'fetch_file', remote_path: join(dirOf('prod', 'db'), 'b003-20240103T000000Z.dump'), dest_path: 'b003-20240103T000000Z.dump', size_bytes: 333, summary: 'fetch_file b003 → b003-20240103T000000Z.dump' }]);
  const to = await call('backups:download', ['prod/db', 'b003', '--to', '/tmp/x.dump']);
  t.is(to.data.actions[0].dest_path, '/tmp/x.dump');
  t.regex((await call('backups:download', ['prod/db', 'b004'])).error!, /backup b004: not found/);
});

test.serial('delete: refused without --yes; removes the file and deletes the job capture really made (<name>.bk.bNNN)', async (t) => {
  await touchBackup('prod', 'db', 'b003-20240103T000000Z.dump');
  t.regex((await call('backups:delete', ['prod/db', 'b003'])).error!, /^--yes: required — this deletes backup b003 of prod\/db: b003-20240103T000000Z\.dump/);
  t.true((await readdir(dirOf('prod', 'db'))).includes('b003-20240103T000000Z.dump'));
  const r = await call('backups:delete', ['prod/db', 'b003', '--yes']);
  t.is(r.code, 0, r.error);
  t.deepEqual(r.data.actions, [{ type: 'delete_manifest', kind: 'job', scope: 'prod', name: 'db.bk.b003', prune: true, summary: 'delete_manifest job/prod/db.bk.b003' }]);
  t.deepEqual(await readdir(dirOf('prod', 'db')), []);
  setWorld({ backupContainers: [jobContainer('prod', 'db', 4, { Status: 'running' })] });
  t.regex((await call('backups:delete', ['prod/db', 'b004', '--yes'])).error!, /still running; stop it first with voodu pg:backups:cancel prod\/db b004/);
});

test.serial('prune: zero policy refused, --dry-run lists, --yes needed, --keep 1 leaves the newest and drops failed records', async (t) => {
  setupCluster(pgSpec(), { POSTGRES_PASSWORD: PW });
  for (const [n, d] of [[1, '20240101'], [2, '20240102'], [3, '20240103']] as const) await touchBackup('prod', 'db', `b00${n}-${d}T000000Z.dump`);
  setWorld({ backupContainers: [jobContainer('prod', 'db', 2, { Status: 'exited', ExitCode: 0 }), jobContainer('prod', 'db', 4, { Status: 'exited', ExitCode: 1 })] });
  t.regex((await call('backups:prune', ['prod/db', '--yes'])).error!, /no retention policy to apply .*give --keep N and\/or --max-age D, or set one with voodu config set -s prod -n db BACKUP_KEEP=14/);
  const dry = await call('backups:prune', ['prod/db', '--keep', '1', '--dry-run']);
  t.regex(dry.data.message, /would delete 3 and keep 1:\n {2}b001 {2}b001-20240101T000000Z\.dump {2}10 B {2}\(beyond keep 1\)\n {2}b002 .*\n {2}b004 {2}- {2}\(failed: exit 1\)\n/);
  t.deepEqual(dry.data.actions, []);
  t.is((await readdir(dirOf('prod', 'db'))).length, 3, 'a dry run deletes nothing');
  t.regex((await call('backups:prune', ['prod/db', '--keep', '1'])).error!, /^--yes: required — prune with policy keep 1 deletes 3 backups of prod\/db \(b001, b002, b004\)/);
  const r = await call('backups:prune', ['prod/db', '--keep', '1', '--yes', '-o', 'json']);
  t.is(r.code, 0, r.error);
  t.deepEqual(await readdir(dirOf('prod', 'db')), ['b003-20240103T000000Z.dump']);
  t.deepEqual(r.data.actions.map((a: any) => a.name), ['db.bk.b002', 'db.bk.b004'], 'jobs that exist are deleted with their backups');
  t.deepEqual(JSON.parse(r.data.message).kept, ['b003']);
  fake.buckets['prod/db'] = { POSTGRES_PASSWORD: PW, BACKUP_KEEP: '5' };
  setWorld({}); // the deleted jobs took their containers with them
  t.regex((await call('backups:prune', ['prod/db', '--yes'])).data.message, /nothing to prune \(policy keep 5; 1 backup kept\)/);
});

test.serial('schedule: prints HCL by default, --apply stores the cronjob <name>-backup on the cluster image', async (t) => {
  setupCluster();
  const printed = await call('backups:schedule', ['prod/db']);
  t.is(printed.code, 0, printed.error);
  t.deepEqual(printed.data.actions, []);
  t.regex(printed.data.message, /cronjob "prod" "db-backup" \{\n {2}schedule {11}= "0 3 \* \* \*"/);
  t.false(printed.data.message.includes(PW));
  const applied = await call('backups:schedule', ['prod/db', '--at', '15 1 * * *', '--from-replica', '2', '--keep', '7', '--apply']);
  t.is(applied.code, 0, applied.error);
  const [a] = applied.data.actions;
  t.is(a.type, 'apply_manifest');
  t.is(a.manifest.kind, 'cronjob');
  t.is(a.manifest.name, 'db-backup');
  t.is(a.manifest.spec.schedule, '15 1 * * *');
  t.is(a.manifest.spec.job.image, 'voodu-test/postgres:15');
  t.regex(a.manifest.spec.job.command[2], /^host='db-2\.prod\.voodu'$/m);
  t.regex(a.manifest.spec.job.command[2], /^keep=7$/m);
  t.false(JSON.stringify(applied.data).includes(PW));
  t.regex(applied.data.message, /run one now: voodu run cronjob prod\/db-backup/);
  t.regex((await call('backups:schedule', ['prod/db', '--at', '0 3 * *'])).error!, /--at: "0 3 \* \*" has 4 fields/);
  t.regex((await call('backups:schedule', ['prod/db', '--at'])).error!, /--at: needs a value, e\.g\. --at "0 3 \* \* \*"/);
  // The printed file, applied, is the --apply manifest (same defaults).
  const [loaded] = await loadManifests({ files: ['-'], format: 'hcl', stdin: printed.data.message, cwd: work, env: {} });
  const again = await call('backups:schedule', ['prod/db', '--apply']);
  t.deepEqual((loaded!.manifest.spec as any).job.command, again.data.actions[0].manifest.spec.job.command);
});

test.serial('cancel: kills the running container, removes the partial, deletes its job; nothing running says so', async (t) => {
  await touchBackup('prod', 'db', '.b005-20240105T000000Z.dump.partial', 10);
  await touchBackup('prod', 'db', 'b004-20240104T000000Z.dump', 10);
  setWorld({ backupContainers: [jobContainer('prod', 'db', 5, { Status: 'running' })] });
  t.regex((await call('backups:cancel', ['prod/db', 'b004'])).error!, /backup b004 of prod\/db is complete, not running; nothing to cancel/);
  const r = await call('backups:cancel', ['prod/db']);
  t.is(r.code, 0, r.error);
  t.true(dockerCalls().some((c) => c.args.join(' ') === 'kill prod-db.bk.b005.ab5'));
  t.deepEqual(r.data.actions, [{ type: 'delete_manifest', kind: 'job', scope: 'prod', name: 'db.bk.b005', prune: true, summary: 'delete_manifest job/prod/db.bk.b005' }]);
  t.deepEqual(await readdir(dirOf('prod', 'db')), ['b004-20240104T000000Z.dump']);
  setWorld({});
  t.regex((await call('backups:cancel', ['prod/db'])).data.message, /no backup is running; nothing to cancel/);
});

test.serial('logs: the job container output; a backup whose container is gone says why', async (t) => {
  await touchBackup('prod', 'db', 'b001-20240101T000000Z.dump');
  setWorld({ backupContainers: [jobContainer('prod', 'db', 2, { Status: 'exited', ExitCode: 1 })], logs: { 'prod-db.bk.b002.ab2': '2024-01-01T00:00:00Z voodu-postgres: backup b002 of prod/db\n' } });
  const r = await call('backups:logs', ['prod/db', 'b2']);
  t.is(r.code, 0, r.error);
  t.regex(r.data.message, /=== b002 of prod\/db \(failed, container prod-db\.bk\.b002\.ab2\)\nvoodu-postgres: backup b002 of prod\/db/);
  t.regex((await call('backups:logs', ['prod/db', 'b001'])).error!, /its container is gone/);
  // --follow: the lines come as progress, the answer is the status after.
  const followed = await call('backups:logs', ['prod/db', 'b002', '-f']);
  t.is(followed.code, 0, followed.error);
  t.regex(followed.progress, /voodu-postgres: backup b002 of prod\/db/);
  t.is(followed.data.message, 'b002 of prod/db: failed');
  t.true(dockerCalls().some((c) => c.args.join(' ') === 'logs -f prod-db.bk.b002.ab2'));
});

test.serial('followJobRun: a refused run names the status and the error', async (t) => {
  const r = followJobRun(fake.url, 'prod', 'db.bk.b404');
  await t.throwsAsync(r, { message: /controller POST \/jobs\/run \(prod\/db\.bk\.b404\): 404 job\/prod\/db\.bk\.b404 not found/ });
  await t.throwsAsync(followJobRun(undefined, 'prod', 'x'), { message: /no controller URL/ });
});

test.serial('help of every backups command names its usage', async (t) => {
  for (const c of ['backups', 'backups:capture', 'backups:logs', 'backups:restore', 'backups:download', 'backups:delete', 'backups:prune', 'backups:schedule', 'backups:cancel']) {
    let out = '';
    await main([c, '--help'], {}, { out: (s) => (out += s), err: () => undefined, exit: () => undefined });
    t.regex(out, new RegExp(`^Usage: voodu pg:${c.replace(':', ':')}`), c);
  }
});
