/**
 * The postgres expansion booted for real (voodu-test/postgres:15): one
 * `postgres` block with replicas = 2 on a non-default port, applied through
 * the controller. Pod 1 must base-backup from pod 0 and stream from it (on
 * $PG_PORT), and a pg_config value must be live on the very first boot —
 * the boot that ran initdb, with no restart since. The times from apply to
 * a ready primary and to a streaming standby are logged.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startPostgresHarness } from '../helpers/postgres.js';
import { waitFor } from '../helpers/wait.js';

const run = promisify(execFile);

test('replicas = 2: pod 1 streams from pod 0, and pg_config applies from the first boot', async (t) => {
  // Every wait is bounded well inside ava's 2-minute timeout, so a failure still reaches the teardown.
  const h = await startPostgresHarness('pgx');
  t.teardown(() => h.stop());
  const started = Date.now();
  const block = h.block('db', { replicas: 2, port: 5433, pg_config: { max_connections: 77, work_mem: '8MB' } });
  const res = await h.apply(block);
  t.is(res.status, 200, JSON.stringify(res.body));

  await h.ready('db', 0, 45_000);
  const primaryMs = Date.now() - started;
  // By its application_name: pg_basebackup's own WAL stream shows up in pg_stat_replication as 'streaming' too.
  const streaming = `SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' AND application_name = 'db-1'`;
  await waitFor('pod 1 streaming from pod 0', async () => (await h.sql('db', 0, streaming).catch(() => '')) === '1', { timeoutMs: 45_000, intervalMs: 250, context: h.logs });
  const standbyMs = Date.now() - started;
  t.log(`apply → primary accepting queries: ${(primaryMs / 1000).toFixed(1)} s; apply → standby streaming: ${(standbyMs / 1000).toFixed(1)} s`);

  // The controller held pod 1 back until pod 0's readiness probe (pg_isready over TCP) passed.
  t.regex(h.logs(), new RegExp(`probes: ${h.pod('db', 0).replace(/\./g, '\\.')}: readiness healthy \\(exec \\["pg_isready"`));
  t.true(h.logs().includes(`pod ${h.pod('db', 0)} ready (1/2)`));
  t.is(await h.sql('db', 0, 'SELECT count(*) FROM pg_stat_replication'), '1');
  t.is(await h.sql('db', 0, 'SELECT usename, application_name FROM pg_stat_replication'), 'replicator|db-1');
  t.is(await h.sql('db', 0, 'SELECT pg_is_in_recovery()'), 'f');
  t.is(await h.sql('db', 1, 'SELECT pg_is_in_recovery()'), 't');
  // Streaming on the block's port (primary_conninfo uses $PG_PORT).
  t.regex(await h.sql('db', 1, 'SELECT conninfo FROM pg_stat_wal_receiver'), /host=db-0\.[^ ]+\.voodu port=5433 /);
  t.is(await h.sql('db', 0, 'SHOW port'), '5433');

  // pg_config and the streaming settings, live on the first boot of each pod.
  for (const ord of [0, 1]) {
    t.is(await h.sql('db', ord, 'SHOW max_connections'), '77', `pod ${ord}`);
    t.is(await h.sql('db', ord, 'SHOW work_mem'), '8MB', `pod ${ord}`);
    t.is(await h.sql('db', ord, 'SHOW wal_log_hints'), 'on', `pod ${ord}`);
    const { stdout } = await run('docker', ['inspect', '-f', '{{.RestartCount}}', h.pod('db', ord)]);
    t.is(stdout.trim(), '0', `pod ${ord} was never restarted`);
  }
  // Pod 0's running server is the one started right after initdb, in this same container.
  const { stdout: log0, stderr: err0 } = await run('docker', ['logs', h.pod('db', 0)]);
  t.true(`${log0}${err0}`.includes('initialisation complete; starting the server'));

  // A write on the primary reaches the standby.
  await h.sql('db', 0, "CREATE TABLE t (v text); INSERT INTO t VALUES ('hello')");
  await waitFor('the row on the standby', async () => (await h.sql('db', 1, 'SELECT v FROM t').catch(() => '')) === 'hello', { timeoutMs: 15_000, intervalMs: 200 });

  // The generated passwords are in the bucket only; the superuser's works over TCP from another container.
  const vars = await h.vars('db');
  t.regex(vars.POSTGRES_PASSWORD ?? '', /^[0-9a-f]{64}$/);
  t.regex(vars.POSTGRES_REPLICATION_PASSWORD ?? '', /^[0-9a-f]{64}$/);
  t.is(vars.PG_PRIMARY_ORDINAL, '0');
  const { stdout: envOut } = await run('docker', ['inspect', '-f', '{{json .Config.Env}}', h.pod('db', 0)]);
  t.true((JSON.parse(envOut) as string[]).includes(`POSTGRES_PASSWORD=${vars.POSTGRES_PASSWORD}`));
  const byUrl = await h.sqlByUrl(`postgres://postgres:${vars.POSTGRES_PASSWORD}@db-0.${h.scope}.voodu:5433/postgres`, 'SELECT 1');
  t.is(byUrl.code, 0, byUrl.stderr);
  t.is(byUrl.stdout, '1');

  // Applying the same block again reuses the bucket: the same manifests, so no pod is replaced.
  const ids = async () => (await run('docker', ['inspect', '-f', '{{.Id}}', h.pod('db', 0), h.pod('db', 1)])).stdout.trim();
  const before = await ids();
  const again = await h.apply(block);
  t.is(again.status, 200, JSON.stringify(again.body));
  await new Promise((r) => setTimeout(r, 3000));
  t.is(await ids(), before);
  t.deepEqual(await h.vars('db'), vars);
});
