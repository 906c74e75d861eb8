/**
 * pg:link, pg:psql, pg:new-password, pg:info, pg:expose and pg:unexpose end
 * to end, with real Docker and real PostgreSQL (voodu-test/postgres:15),
 * through the CLI and the dispatch route, on a one-pod cluster with its own
 * user, database and port (app / appdata / a free port — never the image
 * defaults): a consumer container connects with its DATABASE_URL and
 * writes, and linked again with --reads reads through DATABASE_READ_URL
 * (one pod: the primary's URL); psql runs for real as an exec_local; a
 * rotation makes the old password fail and the new one work, and the
 * consumer restarts with both URLs (the remembered shape) and still writes; info is redacted unless asked and `-o json` parses;
 * expose flips the published address to 0.0.0.0 and unexpose back to
 * loopback, and expose is refused for several pods with the alternatives.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { dockerClient } from '../helpers/docker.js';
import { freePort } from '../helpers/ports.js';
import { PG_IMAGE, startPostgresHarness, type PgHarness } from '../helpers/postgres.js';
import { waitFor } from '../helpers/wait.js';

const run = promisify(execFile);

let h: PgHarness;
let port: number;

test.before(async () => {
  h = await startPostgresHarness('pgl');
  port = await freePort();
});

test.after.always(async () => {
  await h?.stop();
});

const USER = 'app';
const DB = 'appdata';

/** SQL in a pod over its socket as the cluster's user, on its database and port. */
async function sqlIn(container: string, statement: string): Promise<string> {
  const { stdout } = await run('docker', ['exec', '-i', container, 'psql', '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-U', USER, '-d', DB, '-p', String(port), '-c', statement], { timeout: 30_000 });
  return stdout.trim();
}

/** A shell line in a container; stdout, or ERR(…) with what went wrong. */
async function shIn(container: string, script: string): Promise<string> {
  try {
    return (await run('docker', ['exec', container, 'sh', '-c', script], { timeout: 30_000 })).stdout.trim();
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    return `ERR(${(e.stderr || e.stdout || e.message).trim()})`;
  }
}

async function waitDb(what: string) {
  await waitFor(`${h.pod('db', 0)} to answer as ${USER} on ${port} (${what})`, async () => sqlIn(h.pod('db', 0), 'SELECT 1').then((o) => o === '1', () => false), { timeoutMs: 120_000, intervalMs: 500, context: h.logs });
}

async function envOf(container: string): Promise<Record<string, string>> {
  const info = await dockerClient().getContainer(container).inspect();
  return Object.fromEntries((info.Config.Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
}

/** The running container of the consumer deployment whose env satisfies `ok`. */
async function consumerWith(ok: (env: Record<string, string>) => boolean): Promise<string> {
  return waitFor('the consumer to run with the expected env', async () => {
    const list = await dockerClient().listContainers({ filters: { label: [`voodu.scope=${h.scope}`, 'voodu.name=web', 'voodu.kind=deployment'] } });
    for (const c of list) {
      if (c.State !== 'running') continue;
      const name = c.Names[0]!.replace(/^\//, '');
      if (ok(await envOf(name))) return name;
    }
    return undefined;
  }, { timeoutMs: 90_000, intervalMs: 500, context: h.logs });
}

/** The host address pod 0 publishes the postgres port on (HostConfig.PortBindings), once it runs. */
async function boundOn(hostIp: string): Promise<void> {
  await waitFor(`${h.pod('db', 0)} published on ${hostIp}`, async () => {
    const info = await dockerClient().getContainer(h.pod('db', 0)).inspect().catch(() => undefined);
    if (!info?.State.Running) return false;
    const b = (info.HostConfig.PortBindings as Record<string, { HostIp: string; HostPort: string }[]> | undefined)?.[`${port}/tcp`];
    return b?.[0]?.HostIp === hostIp;
  }, { timeoutMs: 90_000, intervalMs: 500, context: h.logs });
}

test.serial('link → a consumer writes through DATABASE_URL; psql runs for real; new-password really rotates; info; expose / unexpose', async (t) => {
  const started = Date.now();
  const applied = await h.apply(
    h.block('db', { user: USER, database: DB, port }),
    { kind: 'deployment', scope: h.scope, name: 'web', spec: { image: PG_IMAGE, replicas: 1, command: ['sleep', '3600'] } },
  );
  t.is(applied.status, 200, JSON.stringify(applied.body));
  await waitDb('first boot');
  const password = (await h.vars('db')).POSTGRES_PASSWORD!;
  t.regex(password, /^[0-9a-f]{64}$/);

  // ---- link: the consumer restarts with DATABASE_URL and writes through it.
  const link = await h.cli(['pg:link', h.ref('db'), h.ref('web')]);
  t.is(link.code, 0, link.stderr);
  t.regex(link.stdout, new RegExp(`linked ${h.ref('db')} → ${h.ref('web')} — set DATABASE_URL \\(primary: pod 0, db-0\\.${h.scope}\\.voodu\\)`));
  t.false(link.stdout.includes(password), 'the message holds no password');
  const url = `postgres://${USER}:${password}@db-0.${h.scope}.voodu:${port}/${DB}`;
  t.is((await h.vars('web')).DATABASE_URL, url);
  t.is((await h.vars('db')).POSTGRES_LINKED_CONSUMERS, h.ref('web'));
  let web = await consumerWith((env) => env.DATABASE_URL === url);
  t.is(await shIn(web, `psql "$DATABASE_URL" -X -q -v ON_ERROR_STOP=1 -c 'CREATE TABLE notes (body text)' -c "INSERT INTO notes VALUES ('from the consumer')"`), '');
  t.is(await sqlIn(h.pod('db', 0), 'SELECT body FROM notes'), 'from the consumer');

  // ---- linked again with --reads: one pod, so DATABASE_READ_URL is the primary's URL; the shape is remembered.
  const reads = await h.cli(['pg:link', '--reads', h.ref('db'), h.ref('web')]);
  t.is(reads.code, 0, reads.stderr);
  t.regex(reads.stdout, /\+ DATABASE_READ_URL \(single pod: reads go to the primary\)/);
  t.like(await h.vars('web'), { DATABASE_URL: url, DATABASE_READ_URL: url });
  t.is((await h.vars('db')).POSTGRES_READS_CONSUMERS, h.ref('web'));
  web = await consumerWith((env) => env.DATABASE_READ_URL === url);
  t.is(await shIn(web, `psql "$DATABASE_READ_URL" -X -q -A -t -c 'SELECT count(*) FROM notes'`), '1');

  // ---- psql through the CLI: a real `docker exec -i … psql -c` (no terminal is needed for -c).
  const psql = await h.cli(['pg:psql', h.ref('db'), '-c', "INSERT INTO notes VALUES ('from pg:psql')"]);
  t.is(psql.code, 0, psql.stderr);
  t.regex(psql.stdout, /✓ psql in .*\.0 \(pod 0, the primary; user=app, db=appdata, port \d+\)/);
  t.is(await sqlIn(h.pod('db', 0), 'SELECT count(*) FROM notes'), '2');
  const bad = await h.cli(['pg:psql', h.ref('db'), '-c', 'SELECT * FROM no_such_table']);
  t.not(bad.code, 0, 'psql’s own exit code comes back');
  const answer = await h.dispatch('psql', [h.ref('db'), '--replica=0']);
  t.is(answer.status, 200, JSON.stringify(answer.body));
  t.deepEqual(answer.body.data.exec_local[0].command.slice(1), ['exec', '-it', h.pod('db', 0), 'psql', '-U', USER, '-d', DB, '-p', String(port)], 'interactive: with a terminal');

  // ---- new-password: ALTER ROLE first; the old password is refused, the new one accepted, the consumer follows.
  const rotated = await h.cli(['pg:new-password', h.ref('db')]);
  t.is(rotated.code, 0, rotated.stderr);
  t.regex(rotated.stdout, new RegExp(`rotated password for ${h.ref('db')} — refreshed 1 linked consumer\\(s\\)`));
  const fresh = (await h.vars('db')).POSTGRES_PASSWORD!;
  t.not(fresh, password);
  const freshUrl = `postgres://${USER}:${fresh}@db-0.${h.scope}.voodu:${port}/${DB}`;
  t.like(await h.vars('web'), { DATABASE_URL: freshUrl, DATABASE_READ_URL: freshUrl }, 'refreshed in the shape it was linked with');
  const old = await h.sqlByUrl(url, 'SELECT 1');
  t.not(old.code, 0, 'the old password no longer works');
  t.regex(old.stderr, /password authentication failed/);
  t.like(await h.sqlByUrl(freshUrl, 'SELECT 1'), { code: 0, stdout: '1' });
  web = await consumerWith((env) => env.DATABASE_URL === freshUrl && env.DATABASE_READ_URL === freshUrl);
  t.is(await shIn(web, `psql "$DATABASE_URL" -X -q -v ON_ERROR_STOP=1 -c "INSERT INTO notes VALUES ('after the rotation')"`), '');
  t.is(await sqlIn(h.pod('db', 0), 'SELECT count(*) FROM notes'), '3');

  // ---- info: redacted, --show-password, and `-o json` after the verb prints clean JSON.
  const info = await h.cli(['pg:info', h.ref('db')]);
  t.is(info.code, 0, info.stderr);
  t.false(info.stdout.includes(fresh), info.stdout);
  t.regex(info.stdout, /password: {10}\*\*\*/);
  t.regex(info.stdout, /primary: {11}pod 0 — db-0\./);
  t.regex(info.stdout, /\.0 {2}primary — running, live role primary/);
  t.regex(info.stdout, new RegExp(`- ${h.ref('web')} {2}DATABASE_URL \\+ DATABASE_READ_URL \\(--reads\\)`));
  const shown = await h.cli(['pg:info', h.ref('db'), '--show-password']);
  t.true(shown.stdout.includes(fresh));
  const json = await h.cli(['pg:info', h.ref('db'), '-o', 'json']);
  t.is(json.code, 0, json.stderr);
  const facts = JSON.parse(json.stdout);
  t.like(facts, { ref: h.ref('db'), replicas: 1, primary_ordinal: 0, super_user: USER, database: DB, port, password_redacted: '***', exposed: false, bind_address: '127.0.0.1' });
  t.like(facts.pods[0], { state: 'running', live_role: 'primary', role_mismatch: false });
  t.deepEqual(facts.linked_consumers, [{ ref: h.ref('web'), reads: true }]);
  t.is(facts.urls.write, `postgres://${USER}:***@db-0.${h.scope}.voodu:${port}/${DB}`);

  // ---- expose / unexpose: the published address flips, the data stays.
  await boundOn('127.0.0.1');
  const expose = await h.cli(['pg:expose', h.ref('db')]);
  t.is(expose.code, 0, expose.stderr);
  t.is((await h.vars('db')).PG_EXPOSE_PUBLIC, 'true');
  await boundOn('0.0.0.0');
  await waitDb('after expose');
  t.is(await sqlIn(h.pod('db', 0), 'SELECT count(*) FROM notes'), '3');
  t.true(JSON.parse((await h.cli(['pg:info', h.ref('db'), '-o', 'json'])).stdout).exposed);
  const unexpose = await h.cli(['pg:unexpose', h.ref('db')]);
  t.is(unexpose.code, 0, unexpose.stderr);
  t.is((await h.vars('db')).PG_EXPOSE_PUBLIC, undefined);
  await boundOn('127.0.0.1');
  await waitDb('after unexpose');
  t.like(await h.sqlByUrl(freshUrl, 'SELECT count(*) FROM notes'), { code: 0, stdout: '3' });

  // ---- unlink: the consumer loses its URL and is no longer tracked.
  const unlink = await h.cli(['pg:unlink', h.ref('db'), h.ref('web')]);
  t.is(unlink.code, 0, unlink.stderr);
  t.is((await h.vars('web')).DATABASE_URL, undefined);
  const after = await h.vars('db');
  t.is(after.POSTGRES_LINKED_CONSUMERS, undefined);
  t.is(after.POSTGRES_READS_CONSUMERS, undefined);
  t.is((await h.vars('web')).DATABASE_READ_URL, undefined);
  t.log(`one-pod flow in ${Math.round((Date.now() - started) / 1000)} s`);
});

test.serial('expose is refused for more than one pod, naming pgbouncer, an SSH tunnel and replicas = 1; unexpose is allowed', async (t) => {
  // expose reads only the stored statefulset: two tiny pods stand in for a replicated cluster.
  const applied = await h.apply({ kind: 'statefulset', scope: h.scope, name: 'big', spec: { image: 'voodu-test/busybox:1', replicas: 2, command: ['sleep', '3600'], env: { PG_PORT: '5432' } } });
  t.is(applied.status, 200, JSON.stringify(applied.body));
  const refused = await h.cli(['pg:expose', h.ref('big')]);
  t.is(refused.code, 1);
  t.regex(refused.stderr, /expose is for one pod only \(replicas = 2\)/);
  t.regex(refused.stderr, /pgbouncer/);
  t.regex(refused.stderr, /SSH tunnel/);
  t.regex(refused.stderr, /set replicas = 1 in the postgres ".*" "big" block, apply, then expose/);
  t.is((await h.vars('big')).PG_EXPOSE_PUBLIC, undefined, 'nothing written');
  const allowed = await h.dispatch('unexpose', [h.ref('big')]);
  t.is(allowed.status, 200, JSON.stringify(allowed.body));
});
