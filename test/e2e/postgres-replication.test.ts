/**
 * Streaming replication, pg:promote and pg:rejoin for real (voodu-test/postgres:15,
 * replicas = 3, through the CLI):
 *   - both standbys stream (pg_stat_replication on pod 0 lists 2), and a row
 *     committed on the primary is visible on both within 2 s while a client
 *     writes in a loop (the lag is measured in ms and logged);
 *   - a consumer is linked with pg:link; a client writes in a loop through
 *     the consumer's DATABASE_URL (re-read from its bucket, as a consumer
 *     restarted with its new env would) while `pg:promote --replica 1` runs;
 *     afterwards pod 1 is the primary, PG_PRIMARY_ORDINAL=1, the consumer's
 *     DATABASE_URL names db-1, the old primary (pod 0) and pod 2 stream from
 *     pod 1, every write the client saw acknowledged is on pod 1, and writes
 *     succeed again (the seconds without a successful write are logged);
 *   - pg:rejoin of a standby that was stopped brings it back streaming; of a
 *     pod that diverged (promoted on its own, written to), pg_rewind as the
 *     replication user rewinds it; of a pod pg_rewind cannot read (its
 *     control file removed), its data is discarded and a base backup taken.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PG_IMAGE, startPostgresHarness, type PgHarness } from '../helpers/postgres.js';
import { waitFor } from '../helpers/wait.js';

const run = promisify(execFile);

let h: PgHarness;
let io: string;
let writer: string | undefined;

test.before(async () => {
  h = await startPostgresHarness('pgr');
  io = await mkdtemp(join(tmpdir(), 'voodu-pg-writer-'));
});

test.after.always(async () => {
  if (writer) await run('docker', ['rm', '-f', writer]).catch(() => undefined);
  await h?.stop();
  if (io) await rm(io, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** application_name|state of every standby streaming from pod `ordinal`. */
async function streamsFrom(ordinal: number): Promise<string[]> {
  const out = await h.sql('db', ordinal, "SELECT application_name || '|' || state FROM pg_stat_replication ORDER BY 1").catch(() => '');
  return out.split('\n').filter(Boolean);
}

async function waitStreams(ordinal: number, apps: string[], timeoutMs = 120_000) {
  await waitFor(`${apps.join(', ')} streaming from pod ${ordinal}`, async () => {
    const rows = await streamsFrom(ordinal);
    return apps.every((a) => rows.includes(`${a}|streaming`)) ? rows : undefined;
  }, { timeoutMs, intervalMs: 500, context: h.logs });
}

/**
 * Commit a marker on the primary and time when each standby first sees it,
 * with bash's $EPOCHREALTIME on both sides (one host clock): ms per standby.
 */
async function replicationLagMs(primary: number, standbys: number[], id: number): Promise<number[]> {
  const watch = standbys.map((s) =>
    run('docker', ['exec', h.pod('db', s), 'bash', '-c', `until [ "$(psql -X -q -A -t -U postgres -d postgres -c "SELECT 1 FROM marks WHERE id = ${id}")" = 1 ]; do :; done; echo $EPOCHREALTIME`], { timeout: 20_000 }),
  );
  await sleep(300); // the watchers are polling
  const { stdout } = await run('docker', ['exec', h.pod('db', primary), 'bash', '-c', `psql -X -q -U postgres -d postgres -c "INSERT INTO marks VALUES (${id})" && echo $EPOCHREALTIME`], { timeout: 20_000 });
  const committed = Number(stdout.trim().split('\n').pop());
  const seen = await Promise.all(watch);
  return seen.map((r) => Math.max(0, Math.round((Number(r.stdout.trim()) - committed) * 1000)));
}

test.serial('replicas = 3: streaming and lag; promote under a writing client loses no acknowledged write; the old primary and pod 2 follow; rejoin', async (t) => {
  t.timeout(5 * 60_000);
  const started = Date.now();
  const applied = await h.apply(h.block('db', { replicas: 3 }), { kind: 'deployment', scope: h.scope, name: 'web', spec: { image: 'voodu-test/busybox:1', replicas: 1, command: ['sleep', '3600'] } });
  t.is(applied.status, 200, JSON.stringify(applied.body));
  for (const o of [0, 1, 2]) await h.ready('db', o, 180_000);

  // ---- both standbys stream from pod 0.
  await waitStreams(0, ['db-1', 'db-2']);
  t.is(await h.sql('db', 0, "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'"), '2');
  t.is(await h.sql('db', 1, 'SELECT pg_is_in_recovery()'), 't');

  // ---- a consumer, and a client writing through its DATABASE_URL (re-read from the bucket every 200 ms).
  const link = await h.cli(['pg:link', h.ref('db'), h.ref('web')]);
  t.is(link.code, 0, link.stderr);
  const urlNow = async () => (await h.vars('web')).DATABASE_URL ?? '';
  const firstUrl = await urlNow();
  t.regex(firstUrl, new RegExp(`@db-0\\.${h.scope}\\.voodu:5432/`));
  await h.sql('db', 0, 'CREATE TABLE acked (id bigint PRIMARY KEY, at timestamptz DEFAULT now()); CREATE TABLE marks (id int PRIMARY KEY)');
  await writeFile(join(io, 'url'), firstUrl);
  let following = true;
  const follower = (async () => {
    let last = firstUrl;
    while (following) {
      const u = await urlNow().catch(() => last);
      if (u && u !== last) {
        last = u;
        await writeFile(join(io, 'url.tmp'), u);
        await run('mv', [join(io, 'url.tmp'), join(io, 'url')]);
      }
      await sleep(200);
    }
  })();
  writer = `${h.scope}-writer`;
  const loop = [
    'i=0',
    'while [ ! -e /io/stop ]; do',
    '  i=$((i+1))',
    '  if psql "$(cat /io/url)" -X -q -A -t -v ON_ERROR_STOP=1 -c "INSERT INTO acked (id) VALUES ($i)" >/dev/null 2>/io/last-error; then echo "$i $EPOCHREALTIME" >>/io/acks; else echo "$i $EPOCHREALTIME" >>/io/failed; fi',
    '  sleep 0.05',
    'done',
  ].join('\n');
  await run('docker', ['run', '-d', '--name', writer, '--label', `voodu.scope=${h.scope}`, '--network', 'voodu0', '-e', 'PGCONNECT_TIMEOUT=2', '-v', `${io}:/io`, '--entrypoint', 'bash', PG_IMAGE, '-c', loop]);
  const acks = async () => (await readFile(join(io, 'acks'), 'utf8').catch(() => '')).split('\n').filter(Boolean).map((l) => l.split(' ').map(Number) as [number, number]);
  await waitFor('the client to write', async () => (await acks()).length >= 10, { timeoutMs: 30_000, intervalMs: 200 });

  // ---- replication lag under the write loop: a marker committed on pod 0, seen on pods 1 and 2.
  const samples: number[][] = [];
  for (let i = 1; i <= 5; i++) samples.push(await replicationLagMs(0, [1, 2], i));
  const flat = samples.flat();
  t.log(`replication lag under a write loop (ms, pods 1 and 2, 5 samples): ${samples.map((s) => s.join('/')).join(', ')}; max ${Math.max(...flat)} ms`);
  for (const ms of flat) t.true(ms < 2000, `a row reached a standby in ${ms} ms`);
  t.is(await h.sql('db', 2, 'SELECT count(*) FROM marks'), '5');

  // ---- promote pod 1 through the CLI while the client writes.
  const before = (await acks()).length;
  const promoteStart = Date.now();
  const promoted = await h.cli(['pg:promote', h.ref('db'), '--replica', '1']);
  const promoteSecs = (Date.now() - promoteStart) / 1000;
  if (promoted.code !== 0) throw new Error(`pg:promote failed (${promoted.code}): ${promoted.stdout}\n${promoted.stderr}\n${h.logs()}`);
  t.log(`pg:promote took ${promoteSecs.toFixed(1)} s: ${promoted.stdout.trim()}`);
  t.regex(promoted.stdout, /pod 1 promoted \(was pod 0\); writes were unavailable for \d+\.\d s/);
  t.regex(promoted.stdout, /old primary: pod 0 streams from pod 1/);
  t.regex(promoted.stdout, /pod 2 streams from pod 1/);
  const reported = Number(/writes were unavailable for (\d+\.\d) s/.exec(promoted.stdout)?.[1]);

  t.is(await h.sql('db', 1, 'SELECT pg_is_in_recovery()'), 'f');
  t.is((await h.vars('db')).PG_PRIMARY_ORDINAL, '1');
  const newUrl = await waitFor('the consumer URL to name pod 1', async () => {
    const u = await urlNow();
    return u.includes(`@db-1.${h.scope}.voodu:5432/`) ? u : undefined;
  }, { timeoutMs: 30_000, intervalMs: 200 });
  t.is(newUrl, firstUrl.replace(`@db-0.${h.scope}.voodu`, `@db-1.${h.scope}.voodu`));

  // The old primary and pod 2 stream from pod 1; pod 0 is a standby now.
  await waitStreams(1, ['db-0', 'db-2'], 60_000);
  t.is(await h.sql('db', 0, 'SELECT pg_is_in_recovery()'), 't');
  t.is(await h.sql('db', 2, 'SELECT pg_is_in_recovery()'), 't');

  // Writes go on through the consumer's URL; then the client stops and every acknowledged id is on pod 1.
  await waitFor('writes to succeed again through the new URL', async () => (await acks()).length > before + 10, { timeoutMs: 60_000, intervalMs: 200 });
  await writeFile(join(io, 'stop'), '');
  await run('docker', ['wait', writer], { timeout: 30_000 });
  following = false;
  await follower;
  const all = await acks();
  const ids = new Set((await h.sql('db', 1, 'SELECT id FROM acked')).split('\n').filter(Boolean).map(Number));
  const lost = all.filter(([id]) => !ids.has(id)).map(([id]) => id);
  t.deepEqual(lost, [], `acknowledged writes missing on the new primary: ${lost.join(', ')}`);
  // The longest stretch without an acknowledged write, as the client saw it.
  let gap = 0;
  for (let i = 1; i < all.length; i++) gap = Math.max(gap, all[i]![1] - all[i - 1]![1]);
  const failed = (await readFile(join(io, 'failed'), 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
  t.log(`client: ${all.length} writes acknowledged, all on pod 1; ${failed} failed during the switch; longest gap between acknowledged writes ${gap.toFixed(1)} s; promote reported ${reported} s of write unavailability (fence → new primary accepting)`);
  t.like(await h.sqlByUrl(newUrl, 'INSERT INTO acked (id) VALUES (-1) RETURNING id'), { code: 0, stdout: '-1' });
  // Replicated to both standbys again.
  await waitFor('the new write on pods 0 and 2', async () => {
    const seen = await Promise.all([0, 2].map((o) => h.sql('db', o, 'SELECT count(*) FROM acked WHERE id = -1').catch(() => '0')));
    return seen.every((c) => c === '1');
  }, { timeoutMs: 10_000, intervalMs: 200 });

  // ---- rejoin alone: a standby that was stopped comes back streaming.
  await run('docker', ['stop', '-t', '30', h.pod('db', 2)]);
  const rejoined = await h.cli(['pg:rejoin', h.ref('db'), '--replica', '2']);
  if (rejoined.code !== 0) throw new Error(`pg:rejoin failed (${rejoined.code}): ${rejoined.stdout}\n${rejoined.stderr}\n${h.logs()}`);
  t.regex(rejoined.stdout, /pod 2 streams from pod 1 \(pg_rewind/);
  t.log(`pg:rejoin: ${rejoined.stdout.trim()}`);
  await waitStreams(1, ['db-0', 'db-2'], 30_000);
  t.is(await h.sql('db', 2, 'SELECT count(*) FROM acked WHERE id = -1'), '1');

  // ---- a pod that diverged (promoted on its own and written to) is rewound by pg_rewind as the replication user.
  await h.sql('db', 2, 'SELECT pg_promote(true, 30)');
  await h.sql('db', 2, 'CREATE TABLE rogue (x int); INSERT INTO rogue VALUES (1)');
  const rewound = await h.cli(['pg:rejoin', h.ref('db'), '-r', '2']);
  if (rewound.code !== 0) throw new Error(`pg:rejoin of a diverged pod failed: ${rewound.stdout}\n${rewound.stderr}\n${h.logs()}`);
  t.regex(rewound.stdout, /pod 2 streams from pod 1 \(pg_rewind preserved local data\)/);
  t.log(`pg:rejoin of a diverged pod: ${rewound.stdout.trim()}`);
  await waitStreams(1, ['db-0', 'db-2'], 30_000);
  t.is(await h.sql('db', 2, "SELECT to_regclass('rogue') IS NULL"), 't', 'the diverged write is gone');
  t.is(await h.sql('db', 2, 'SELECT count(*) FROM acked WHERE id = -1'), '1');

  // ---- a pod pg_rewind cannot repair (its control file is gone) is rebuilt from a fresh base backup.
  await run('docker', ['exec', h.pod('db', 2), 'rm', '/var/lib/postgresql/data/pgdata/global/pg_control']);
  const rebuilt = await h.cli(['pg:rejoin', h.ref('db'), '--replica=2']);
  if (rebuilt.code !== 0) throw new Error(`pg:rejoin with a broken pod failed: ${rebuilt.stdout}\n${rebuilt.stderr}\n${h.logs()}`);
  t.regex(rebuilt.stdout, /pod 2 streams from pod 1 \(pg_rewind failed, rebuilt from a fresh base backup\).*its old data was discarded/);
  t.log(`pg:rejoin with a broken control file: ${rebuilt.stdout.trim()}`);
  await waitStreams(1, ['db-0', 'db-2'], 30_000);
  t.is(await h.sql('db', 2, 'SELECT count(*) FROM acked WHERE id = -1'), '1');

  // ---- refusals through the CLI name the flag and the fix.
  const self = await h.cli(['pg:rejoin', h.ref('db'), '--replica', '1']);
  t.is(self.code, 1);
  t.regex(self.stderr, /--replica 1: pod 1 is the primary/);
  const again = await h.cli(['pg:promote', h.ref('db'), '-r', '1']);
  t.is(again.code, 1);
  t.regex(again.stderr, /pod 1 is already the primary/);
  t.log(`whole flow in ${Math.round((Date.now() - started) / 1000)} s`);
});
