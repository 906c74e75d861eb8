/**
 * The postgres plugin's backups end to end, with real Docker and real
 * PostgreSQL (voodu-test/postgres:15), through the CLI: a one-pod cluster
 * with its own user, database and port; capture --follow (progress lines,
 * the file, `backups -o json` complete with its size); a detached capture
 * that runs as the job <name>.bk.bNNN and completes after the CLI returned
 * (its stored manifest holds no password); rows deleted → restore → rows
 * back; capture and restore MB/s on ~100 MB of rows (logged); cancel of a
 * running capture; prune --keep 1; schedule --apply → `voodu run cronjob`
 * captures on the cluster's own image; download writes the file where
 * asked; delete removes the file and the job.
 *
 * The backups root is put under the controller's $VOODU_ROOT here: the
 * controller serves fetch_file downloads only from there (or the plugin's
 * directory), as /opt/voodu/backups is under /opt/voodu on a real host.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { callApi } from '../helpers/http.js';
import { freePort } from '../helpers/ports.js';
import { startPostgresHarness, type PgHarness } from '../helpers/postgres.js';
import { waitFor } from '../helpers/wait.js';

const run = promisify(execFile);

let h: PgHarness;
let port: number;
let root: string;
let downloads: string;

const USER = 'app';
const DB = 'appdata';

test.before(async () => {
  h = await startPostgresHarness('pgb');
  port = await freePort();
  root = join(h.ctl.root, 'backups');
  process.env.VOODU_POSTGRES_BACKUP_ROOT = root;
  downloads = await mkdtemp(join(tmpdir(), 'voodu-pg-dl-'));
});

test.after.always(async () => {
  await h?.stop();
  if (downloads) await rm(downloads, { recursive: true, force: true });
});

const dir = () => join(root, h.scope, 'db');
const dumps = async () => (await readdir(dir()).catch(() => [] as string[])).filter((f) => /^b\d+-\d{8}T\d{6}Z\.dump$/.test(f)).sort();

async function sql(statement: string): Promise<string> {
  const { stdout } = await run('docker', ['exec', '-i', h.pod('db', 0), 'psql', '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-U', USER, '-d', DB, '-p', String(port), '-c', statement], { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 });
  return stdout.trim();
}

async function listed(): Promise<{ id: string; status: string; size_bytes: number; filename?: string }[]> {
  const r = await h.cli(['pg:backups', h.ref('db'), '-o', 'json']);
  if (r.code !== 0) throw new Error(`pg:backups: ${r.stderr}`);
  const parsed = JSON.parse(r.stdout);
  return parsed.backups;
}

const waitStatus = (id: string, status: string, timeoutMs = 90_000) =>
  waitFor(`${id} ${status}`, async () => (await listed()).find((b) => b.id === id && b.status === status), { timeoutMs, intervalMs: 500, context: h.logs });

test.serial('capture --follow, a detached capture as a job, restore brings deleted rows back', async (t) => {
  const applied = await h.apply(h.block('db', { user: USER, database: DB, port }));
  t.is(applied.status, 200, JSON.stringify(applied.body));
  await waitFor('the pod to answer', () => sql('SELECT 1').then((o) => o === '1', () => false), { timeoutMs: 120_000, intervalMs: 500, context: h.logs });
  const password = (await h.vars('db')).POSTGRES_PASSWORD!;
  t.truthy(password);
  await sql("CREATE TABLE t (id int PRIMARY KEY, payload text); INSERT INTO t SELECT g, 'row ' || g FROM generate_series(1, 50000) g");

  // ---- --follow: progress on stderr, the outcome on stdout.
  const followed = await h.cli(['pg:backups:capture', h.ref('db'), '--follow']);
  t.is(followed.code, 0, followed.stderr + followed.stdout);
  t.regex(followed.stdout, new RegExp(`backup b001 of ${h.ref('db')} complete: b001-\\d{8}T\\d{6}Z\\.dump, [\\d.]+ [KM]B in [\\d.]+ s \\([\\d.]+ MB/s written; database [\\d.]+ MB at [\\d.]+ MB/s\\), pg_dump from pod 0 \\(the primary\\)`));
  t.regex(followed.stderr, /voodu-postgres: pg_dump of appdata from db-0\.\S+ as app/, "the job's output streamed as progress");
  t.false(followed.stdout.includes(password) || followed.stderr.includes(password));
  t.is((await dumps()).length, 1);
  const first = (await listed())[0]!;
  t.like(first, { id: 'b001', status: 'complete' });
  t.true(first.size_bytes > 10_000, `size ${first.size_bytes}`);
  t.is(first.size_bytes, (await stat(join(dir(), first.filename!))).size);

  // ---- detached: the CLI returns at once, the job finishes on its own.
  const detached = await h.cli(['pg:backups:capture', h.ref('db')]);
  t.is(detached.code, 0, detached.stderr);
  t.regex(detached.stdout, new RegExp(`backup b002 of ${h.ref('db')} dispatched: job ${h.ref('db')}\\.bk\\.b002`));
  t.regex(detached.stdout, /✓ job manifest applied: .*db\.bk\.b002/);
  t.regex(detached.stdout, /✓ backup b002 dispatched/, "run_job answers with the plugin's own summary");
  await waitStatus('b002', 'complete');
  const job = await callApi(h.ctl, 'GET', `/describe?kind=job&scope=${h.scope}&name=db.bk.b002`);
  t.is(job.status, 200, JSON.stringify(job.body));
  const stored = JSON.stringify(job.body.data.manifest);
  t.false(stored.includes(password), 'the stored job manifest holds no password');
  t.deepEqual(job.body.data.manifest.spec.env_from, ['db']);
  t.is(job.body.data.manifest.spec.image, 'voodu-test/postgres:15');
  const logs = await h.cli(['pg:backups:logs', h.ref('db'), 'b002']);
  t.is(logs.code, 0, logs.stderr);
  t.regex(logs.stdout, /voodu-postgres: backup b002 complete: b002-\S+\.dump, \d+ bytes/);

  // ---- restore: rows deleted, then back.
  await sql('DELETE FROM t WHERE id > 100');
  t.is(await sql('SELECT count(*) FROM t'), '100');
  const refused = await h.cli(['pg:backups:restore', h.ref('db'), 'b002']);
  t.not(refused.code, 0);
  t.regex(refused.stderr + refused.stdout, /--yes: required/);
  const restored = await h.cli(['pg:backups:restore', h.ref('db'), 'b002', '--yes']);
  t.is(restored.code, 0, restored.stderr + restored.stdout);
  t.regex(restored.stdout, /restored b002 .* into .*\/db \(database appdata, primary pod 0\)/);
  t.is(await sql('SELECT count(*) FROM t'), '50000');
});

test.serial('throughput on ~100 MB of rows: capture and restore MB/s; cancel of a running capture leaves nothing', async (t) => {
  const t0 = Date.now();
  await sql("CREATE TABLE big (id int, payload text); INSERT INTO big SELECT g, md5(random()::text) || md5(random()::text) || md5(random()::text) FROM generate_series(1, 700000) g");
  const dbBytes = Number(await sql(`SELECT pg_database_size('${DB}')`));
  t.log(`database ${(dbBytes / 1024 / 1024).toFixed(1)} MB after ${((Date.now() - t0) / 1000).toFixed(1)} s of inserts`);

  const c0 = Date.now();
  const cap = await h.cli(['pg:backups:capture', h.ref('db'), '--follow', '-o', 'json']);
  t.is(cap.code, 0, cap.stderr + cap.stdout);
  const out = JSON.parse(cap.stdout);
  t.is(out.status, 'complete');
  const wall = (Date.now() - c0) / 1000;
  t.log(`capture ${out.id}: dump ${(out.size_bytes / 1024 / 1024).toFixed(1)} MB of a ${(out.database_bytes / 1024 / 1024).toFixed(1)} MB database in ${out.seconds.toFixed(1)} s (job) / ${wall.toFixed(1)} s (CLI): ${(out.database_bytes / 1024 / 1024 / out.seconds).toFixed(1)} MB/s of database, ${(out.size_bytes / 1024 / 1024 / out.seconds).toFixed(1)} MB/s written`);
  // Progress comes every ~3 s: a dump that took longer must have printed one.
  if (out.seconds > 3.5) t.regex(cap.stderr, new RegExp(`backup ${out.id}: [\\d.]+ [KMG]B written of a [\\d.]+ MB database`), 'progress lines came while it ran');

  await sql('TRUNCATE big');
  const r0 = Date.now();
  const res = await h.cli(['pg:backups:restore', h.ref('db'), out.id, '--yes']);
  t.is(res.code, 0, res.stderr + res.stdout);
  const rs = (Date.now() - r0) / 1000;
  t.log(`restore ${out.id}: ${rs.toFixed(1)} s: ${(out.database_bytes / 1024 / 1024 / rs).toFixed(1)} MB/s of database, ${(out.size_bytes / 1024 / 1024 / rs).toFixed(1)} MB/s of dump — ${res.stdout.trim().split('\n')[0]}`);
  t.is(await sql('SELECT count(*) FROM big'), '700000');

  // ---- cancel: a detached capture of the big table, stopped while it runs.
  const started = await h.cli(['pg:backups:capture', h.ref('db')]);
  t.is(started.code, 0, started.stderr);
  const id = /backup (b\d+) of/.exec(started.stdout)![1]!;
  await waitStatus(id, 'running', 30_000);
  const cancelled = await h.cli(['pg:backups:cancel', h.ref('db'), id]);
  t.is(cancelled.code, 0, cancelled.stderr + cancelled.stdout);
  t.regex(cancelled.stdout, new RegExp(`${id}: killed \\S+\\.bk\\.${id}\\.`));
  await new Promise((r) => setTimeout(r, 1500));
  t.false((await readdir(dir())).some((f) => f.includes(id)), 'no file, no partial');
  await waitFor('the cancelled job to be deleted', async () => (await callApi(h.ctl, 'GET', `/describe?kind=job&scope=${h.scope}&name=db.bk.${id}`)).status === 404, { timeoutMs: 20_000, intervalMs: 300 });
  t.false((await listed()).some((b) => b.id === id));
  await sql('DROP TABLE big');
});

test.serial('prune --keep 1, schedule --apply run as a cronjob, download where asked, delete', async (t) => {
  const before = await dumps();
  t.true(before.length >= 3, before.join(' '));
  const dry = await h.cli(['pg:backups:prune', h.ref('db'), '--keep', '1', '--dry-run']);
  t.is(dry.code, 0, dry.stderr);
  t.is((await dumps()).length, before.length);
  const pruned = await h.cli(['pg:backups:prune', h.ref('db'), '--keep', '1', '--yes']);
  t.is(pruned.code, 0, pruned.stderr + pruned.stdout);
  t.deepEqual(await dumps(), [before[before.length - 1]!], 'the newest is left');
  // A pruned backup's job leaves nothing on the host: no env file, no app directory.
  const appDirs = async () => (await readdir(join(h.ctl.root, 'apps')).catch(() => [] as string[])).filter((d) => d.startsWith(`${h.scope}-db.bk.`));
  const prunedIds = before.slice(0, -1).map((f) => f.slice(0, f.indexOf('-')));
  await waitFor('the pruned jobs’ app directories to go', async () => !(await appDirs()).some((d) => prunedIds.some((id) => d.endsWith(`.bk.${id}`))), { timeoutMs: 10_000, intervalMs: 300 });

  // ---- schedule: a cronjob on the cluster's image that captures when run.
  const sched = await h.cli(['pg:backups:schedule', h.ref('db'), '--keep', '2', '--apply']);
  t.is(sched.code, 0, sched.stderr + sched.stdout);
  t.regex(sched.stdout, /✓ apply_manifest cronjob\/.*\/db-backup/);
  const cron = await callApi(h.ctl, 'GET', `/describe?kind=cronjob&scope=${h.scope}&name=db-backup`);
  t.is(cron.status, 200, JSON.stringify(cron.body));
  t.is(cron.body.data.manifest.spec.job.image, 'voodu-test/postgres:15');
  t.false(JSON.stringify(cron.body.data.manifest).includes((await h.vars('db')).POSTGRES_PASSWORD!));
  const ran = await h.cli(['run', 'cronjob', `${h.ref('db')}-backup`]);
  t.is(ran.code, 0, ran.stderr + ran.stdout);
  t.regex(ran.stdout, /voodu-postgres: backup b\d+ complete/);
  const after = await dumps();
  t.is(after.length, 2, `keep 2 after the scheduled run: ${after.join(' ')}`);
  const newest = after[after.length - 1]!;
  const rows = await listed();
  const scheduled = rows.find((b) => b.filename === newest)!;
  t.is(scheduled.status, 'complete');

  // ---- download: the CLI writes the file where asked, byte for byte.
  const dest = join(downloads, 'copy.dump');
  const dl = await h.cli(['pg:backups:download', h.ref('db'), scheduled.id, '--to', dest]);
  t.is(dl.code, 0, dl.stderr + dl.stdout);
  t.regex(dl.stdout, /✓ wrote .*copy\.dump \(\d+ bytes\)/);
  t.true((await readFile(dest)).equals(await readFile(join(dir(), newest))));

  // ---- restore from a URL: fetched on the controller host, copied into the pod, removed after; a 404 says so.
  await sql('DELETE FROM t');
  const srv = createServer((req, res) => {
    if (req.url !== '/copy.dump') {
      res.writeHead(404, 'Not Found');
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    createReadStream(dest).pipe(res);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const base = `http://127.0.0.1:${(srv.address() as { port: number }).port}`;
  try {
    const fromUrl = await h.cli(['pg:backups:restore', h.ref('db'), `${base}/copy.dump`, '--yes']);
    t.is(fromUrl.code, 0, fromUrl.stderr + fromUrl.stdout);
    t.is(await sql('SELECT count(*) FROM t'), '50000');
    const missing = await h.cli(['pg:backups:restore', h.ref('db'), `${base}/nope.dump`, '--yes']);
    t.not(missing.code, 0);
    t.regex(missing.stderr + missing.stdout, /404/);
    const leftovers = await run('docker', ['exec', h.pod('db', 0), 'sh', '-c', 'ls /tmp | grep -c vdrestore || true']);
    t.is(leftovers.stdout.trim(), '0', 'the copy in the pod is removed');
  } finally {
    await new Promise((r) => srv.close(r));
  }

  // ---- delete: the file and its record go.
  const del = await h.cli(['pg:backups:delete', h.ref('db'), after[0]!.slice(0, after[0]!.indexOf('-')), '--yes']);
  t.is(del.code, 0, del.stderr + del.stdout);
  t.deepEqual(await dumps(), [newest]);
  const gone = await callApi(h.ctl, 'DELETE', `/apply?kind=cronjob&scope=${h.scope}&name=db-backup`);
  t.is(gone.status, 200, JSON.stringify(gone.body));
});

test.serial('a password written in HCL: capture reads it through env_from, and it is not in the stored job', async (t) => {
  const hclPort = await freePort();
  const secret = 'hcl-only-secret-4711';
  const applied = await h.apply(h.block('hcl', { password: secret, port: hclPort }));
  t.is(applied.status, 200, JSON.stringify(applied.body));
  t.falsy((await h.vars('hcl')).POSTGRES_PASSWORD, 'nothing in the bucket');
  await waitFor('the hcl pod to answer', () => run('docker', ['exec', h.pod('hcl', 0), 'psql', '-X', '-A', '-t', '-U', 'postgres', '-p', String(hclPort), '-c', 'SELECT 1']).then((r) => r.stdout.trim() === '1', () => false), {
    timeoutMs: 120_000,
    intervalMs: 500,
    context: h.logs,
  });
  const cap = await h.cli(['pg:backups:capture', h.ref('hcl'), '--follow']);
  t.is(cap.code, 0, cap.stderr + cap.stdout);
  t.regex(cap.stdout, /backup b001 of .*\/hcl complete/);
  const job = await callApi(h.ctl, 'GET', `/describe?kind=job&scope=${h.scope}&name=hcl.bk.b001`);
  t.false(JSON.stringify(job.body.data.manifest).includes(secret));
  t.false(cap.stdout.includes(secret) || cap.stderr.includes(secret));
});
