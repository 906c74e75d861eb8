/**
 * The `voodu-test/postgres:15` image (scripts/build-postgres-image) keeps
 * the official postgres image's docker-entrypoint contract, on the real
 * engine: a first boot initialises PGDATA from POSTGRES_* (locale and
 * encoding from POSTGRES_INITDB_ARGS) and runs /docker-entrypoint-initdb.d
 * once, in order; the server runs as postgres (uid 999) and takes scram
 * password logins over TCP from another container; a second boot on the
 * same volume keeps the data and skips all of that; a first boot without a
 * password fails saying so; the tools the plugin uses are on PATH. Every
 * container, the network and the volume carry this file's run label and are
 * removed at the end, failed tests included.
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { DockerRuntime } from '../../modules/runtime/docker-runtime.js';
import { cleanupDocker, dockerClient, requireDocker, testRunLabel, uniqueName } from '../helpers/docker.js';
import { waitFor } from '../helpers/wait.js';

const IMAGE = 'voodu-test/postgres:15';
const PASSWORD = 'first-b00t-Secret';
// The plugin's layout: the volume at the official mount point, the cluster one level down.
const MOUNT = '/var/lib/postgresql/data';
const PGDATA = `${MOUNT}/pgdata`;
const docker = dockerClient();
const runtime = new DockerRuntime();
const run = testRunLabel();
let network = '';
let volume = '';
let initDir = '';

test.before(async () => {
  await requireDocker(docker);
  await docker
    .getImage(IMAGE)
    .inspect()
    .catch(() => {
      throw new Error(`prerequisite missing: image ${IMAGE} is not present; run \`bash scripts/build-test-images\` (or scripts/build-postgres-image)`);
    });
  network = uniqueName('vt-pg-net');
  await docker.createNetwork({ Name: network, Driver: 'bridge', Labels: run.labels });
  volume = uniqueName('vt-pg-data');
  await docker.createVolume({ Name: volume, Labels: run.labels });

  // Three init files whose order matters: the table, then a sourced script and an executable one
  // that each record a row (with the environment they saw) into it.
  initDir = await mkdtemp(join(tmpdir(), 'vt-pg-init-'));
  await chmod(initDir, 0o755);
  const files: Array<[string, string, number]> = [
    ['01-schema.sql', 'CREATE TABLE init_runs (id serial PRIMARY KEY, script text, seen_user text, seen_db text, who text DEFAULT current_user);\n', 0o644],
    [
      '02-sourced.sh',
      // Sourced into the entrypoint: its helper is there, and so are POSTGRES_USER / POSTGRES_DB.
      'docker_process_sql --set u="$POSTGRES_USER" --set d="$POSTGRES_DB" <<\'SQL\'\nINSERT INTO init_runs (script, seen_user, seen_db) VALUES (\'sourced\', :\'u\', :\'d\');\nSQL\n',
      0o644,
    ],
    [
      '03-executable.sh',
      // Also a snapshot of every process's argv mid-init, to show the password is in none.
      '#!/bin/bash\nset -e\ncat /proc/[0-9]*/cmdline 2>/dev/null | tr \'\\0\' \' \' > "$PGDATA/init-argv.txt" || true\npsql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" --no-psqlrc -c "INSERT INTO init_runs (script, seen_user, seen_db) VALUES (\'executable\', \'$POSTGRES_USER\', \'$POSTGRES_DB\')"\n',
      0o755,
    ],
  ];
  for (const [name, body, mode] of files) {
    await writeFile(join(initDir, name), body);
    await chmod(join(initDir, name), mode);
  }
});

test.after.always(async () => {
  await cleanupDocker(run.filter, docker);
  if (initDir) await rm(initDir, { recursive: true, force: true });
});

interface StartOptions {
  env?: string[];
  cmd?: string[];
  binds?: string[];
}

/** Creates and starts a labelled container of the image on the test network; no `cmd` keeps the image's CMD. */
async function start(prefix: string, opts: StartOptions = {}): Promise<string> {
  const name = uniqueName(prefix);
  const c = await docker.createContainer({
    name,
    Image: IMAGE,
    ...(opts.cmd ? { Cmd: opts.cmd } : {}),
    Env: opts.env ?? [],
    Labels: run.labels,
    HostConfig: { NetworkMode: network, Binds: opts.binds ?? [] },
  });
  await c.start();
  return name;
}

const logsOf = async (container: string, tail = 60) =>
  (await docker.getContainer(container).logs({ stdout: true, stderr: true, tail })).toString('utf8');

/** Runs a one-off container to its end: exit code and output (stdout and stderr interleaved, docker's framing stripped). */
async function runOnce(prefix: string, opts: StartOptions): Promise<{ exitCode: number; output: string }> {
  const name = await start(prefix, opts);
  const c = docker.getContainer(name);
  const { StatusCode } = (await waitFor('the one-off container to exit', async () => {
    const s = await c.inspect();
    return s.State.Running ? undefined : { StatusCode: s.State.ExitCode };
  }, 60_000)) as { StatusCode: number };
  const raw = await c.logs({ stdout: true, stderr: true });
  // Multiplexed stream: 8-byte headers before each frame.
  let output = '';
  for (let i = 0; i + 8 <= raw.length; ) {
    const len = raw.readUInt32BE(i + 4);
    output += raw.subarray(i + 8, i + 8 + len).toString('utf8');
    i += 8 + len;
  }
  return { exitCode: StatusCode, output };
}

/** Waits until the server answers over TCP: the temporary server of the first boot listens on the socket only. */
async function waitReady(container: string): Promise<void> {
  try {
    await waitFor(
      `${container} to accept TCP connections`,
      async () => ((await runtime.exec(container, { cmd: ['pg_isready', '-h', '127.0.0.1', '-p', '5432'] })).exitCode === 0 ? true : undefined),
      { timeoutMs: 60_000, intervalMs: 250 },
    );
  } catch (err) {
    throw new Error(`${err instanceof Error ? err.message : String(err)}\nlast log lines of ${container}:\n${await logsOf(container)}`);
  }
}

/** SQL as app over the unix socket inside `container`, statement on stdin; tuples only, `|`-separated. */
async function sql(container: string, statement: string, db = 'appdb'): Promise<string> {
  const r = await runtime.exec(container, { cmd: ['psql', '-v', 'ON_ERROR_STOP=1', '-U', 'app', '-d', db, '-At', '--no-psqlrc'], stdin: statement });
  if (r.exitCode !== 0) throw new Error(`psql failed (${r.exitCode}): ${r.stderr}`);
  return r.stdout.trim();
}

const firstBootEnv = [
  `POSTGRES_PASSWORD=${PASSWORD}`,
  'POSTGRES_USER=app',
  'POSTGRES_DB=appdb',
  "POSTGRES_INITDB_ARGS=--locale=C.UTF-8 --encoding=UTF8",
  `PGDATA=${PGDATA}`,
];

test.serial('the image declares the official entrypoint, command, PGDATA, port and stop signal', async (t) => {
  const { Config } = await docker.getImage(IMAGE).inspect();
  t.deepEqual(Config.Entrypoint, ['docker-entrypoint.sh']);
  t.deepEqual(Config.Cmd, ['postgres']);
  t.true(Config.Env.includes('PGDATA=/var/lib/postgresql/data'));
  t.regex(Config.Env.find((e) => e.startsWith('PATH=')) ?? '', /^PATH=\/usr\/lib\/postgresql\/15\/bin:/);
  t.deepEqual(Object.keys(Config.ExposedPorts ?? {}), ['5432/tcp']);
  // dockerode's ImageInspectInfo leaves StopSignal out; the engine sends it.
  t.is((Config as { StopSignal?: string }).StopSignal, 'SIGINT');
});

test.serial('first boot initialises, runs the init files once in order, serves scram logins over TCP as uid 999; a second boot keeps the data and skips init', async (t) => {
  // Server options with a space in a value: through su and the temporary server intact.
  const server = await start('vt-pg-srv', { env: firstBootEnv, cmd: ['postgres', '-c', 'cluster_name=voodu test'], binds: [`${volume}:${MOUNT}`, `${initDir}:/docker-entrypoint-initdb.d:ro`] });
  await waitReady(server);

  // Initialised as asked: the database, owner, locale and encoding of POSTGRES_*.
  t.is(await sql(server, "SELECT current_user, current_database(), current_setting('lc_collate'), current_setting('server_encoding')"), 'app|appdb|C.UTF-8|UTF8');
  t.is(await sql(server, "SELECT rolsuper FROM pg_roles WHERE rolname = 'app'"), 't');
  t.is(await sql(server, "SELECT count(*) FROM pg_roles WHERE rolname = 'postgres'"), '0');
  // The init files ran once each, in sorted order, as the superuser against POSTGRES_DB, seeing POSTGRES_USER/DB.
  t.is(await sql(server, 'SELECT script, seen_user, seen_db, who FROM init_runs ORDER BY id'), 'sourced|app|appdb|app\nexecutable|app|appdb|app');
  const firstLogs = await logsOf(server, 400);
  t.regex(firstLogs, /sourcing \/docker-entrypoint-initdb\.d\/02-sourced\.sh/);
  t.regex(firstLogs, /running \/docker-entrypoint-initdb\.d\/03-executable\.sh/);
  t.false(firstLogs.includes(PASSWORD), 'the password is not logged');

  // The server (PID 1, no wrapper left) runs as postgres uid 999 with PGDATA of its own; no password in argv or PGPASSWORD.
  const ps = await runtime.exec(server, {
    cmd: ['bash', '-c', `stat -c %u /proc/1; stat -c '%u %a' ${PGDATA}; id -u postgres; tr '\\0' ' ' </proc/1/cmdline; echo; cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\\0' ' '; true`],
  });
  t.is(ps.exitCode, 0, ps.stderr);
  const [proc1, dataDir, postgresUid, cmdline] = ps.stdout.split('\n');
  t.is(proc1, '999', 'PID 1 belongs to uid 999');
  t.is(dataDir, '999 700');
  t.is(postgresUid, '999');
  t.is(cmdline?.trim(), 'postgres -c cluster_name=voodu test');
  t.is(await sql(server, 'SHOW cluster_name'), 'voodu test');
  const initArgv = await runtime.exec(server, { cmd: ['cat', `${PGDATA}/init-argv.txt`] });
  t.regex(initArgv.stdout, /docker-entrypoint\.sh/, 'the snapshot saw the entrypoint');
  t.false(initArgv.stdout.includes(PASSWORD), 'the password is in no argv during init');
  // Only the owner may read a process's environment (the container's root lacks CAP_SYS_PTRACE).
  const environ = await runtime.exec(server, { user: 'postgres', cmd: ['bash', '-c', "tr '\\0' '\\n' </proc/1/environ"] });
  t.is(environ.exitCode, 0, environ.stderr);
  t.regex(environ.stdout, new RegExp(`^PGDATA=${PGDATA}$`, 'm'));
  t.regex(environ.stdout, /^HOME=\/var\/lib\/postgresql$/m);
  t.notRegex(environ.stdout, /^PGPASSWORD=/m, 'PGPASSWORD does not outlive the init');
  t.false(ps.stdout.includes(PASSWORD), 'the password is in no process argv');

  // scram for TCP clients: the hba line the contract appends, the verifier stored, and another
  // container on the network gets in with the password (sent in the environment) and not without it.
  t.regex(await sql(server, "SELECT pg_read_file('pg_hba.conf')"), /^host all all all scram-sha-256$/m);
  t.is(await sql(server, "SELECT current_setting('listen_addresses')"), '*');
  t.is(await sql(server, "SELECT left(rolpassword, 14) FROM pg_authid WHERE rolname = 'app'"), 'SCRAM-SHA-256$');
  const client = (password: string) =>
    runOnce('vt-pg-cli', {
      env: [`PGPASSWORD=${password}`],
      cmd: ['psql', '-h', server, '-U', 'app', '-d', 'appdb', '-At', '-c', "SELECT 'tcp:' || (inet_server_addr() IS NOT NULL) || ':' || count(*) FROM init_runs"],
    });
  const good = await client(PASSWORD);
  t.is(good.exitCode, 0, good.output);
  t.regex(good.output, /^tcp:true:2$/m);
  const bad = await client('not-the-password');
  t.not(bad.exitCode, 0);
  t.regex(bad.output, /password authentication failed for user "app"/);

  // Data written now must survive a new container on the same volume.
  await sql(server, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')");
  const stopped = Date.now();
  await docker.getContainer(server).stop({ t: 30 });
  // SIGINT is a fast shutdown: no waiting out docker's timeout.
  t.true(Date.now() - stopped < 15_000, `stop took ${Date.now() - stopped} ms`);
  t.regex(await logsOf(server, 20), /received fast shutdown request/);
  await docker.getContainer(server).remove();

  // Second boot: another password in the env changes nothing, the init files are not run again.
  const again = await start('vt-pg-srv2', {
    env: firstBootEnv.map((e) => (e.startsWith('POSTGRES_PASSWORD=') ? 'POSTGRES_PASSWORD=ignored-now' : e)),
    binds: [`${volume}:${MOUNT}`, `${initDir}:/docker-entrypoint-initdb.d:ro`],
  });
  await waitReady(again);
  t.is(await sql(again, 'SELECT v FROM kept'), 'still here');
  t.is(await sql(again, 'SELECT count(*) FROM init_runs'), '2');
  const secondLogs = await logsOf(again, 400);
  t.regex(secondLogs, /already holds a database .*skipping initialisation/);
  t.notRegex(secondLogs, /docker-entrypoint-initdb\.d|initdb|CREATE DATABASE/);
  const relogin = await runOnce('vt-pg-cli', { env: [`PGPASSWORD=${PASSWORD}`], cmd: ['psql', '-h', again, '-U', 'app', '-d', 'appdb', '-Atc', 'SELECT 1'] });
  t.is(relogin.exitCode, 0, relogin.output);
});

test.serial('a first boot without POSTGRES_PASSWORD fails and says how to fix it', async (t) => {
  const r = await runOnce('vt-pg-nopw', { env: ['POSTGRES_USER=app'] });
  t.not(r.exitCode, 0);
  t.regex(r.output, /database is uninitialized and no superuser password is set/);
  t.regex(r.output, /POSTGRES_PASSWORD/);
  t.regex(r.output, /POSTGRES_HOST_AUTH_METHOD=trust/);
});

test.serial('other commands run as given (as root), and the client and backup tools are on PATH', async (t) => {
  const tools = ['postgres', 'initdb', 'pg_ctl', 'psql', 'pg_dump', 'pg_dumpall', 'pg_restore', 'pg_basebackup', 'pg_rewind', 'pg_isready', 'pg_controldata'];
  const r = await runOnce('vt-pg-tools', {
    cmd: ['bash', '-c', `id -u; for t in ${tools.join(' ')}; do "$t" --version || echo "FAILED $t"; done; locale -a; test -f /usr/share/postgresql/15/postgres.bki && test -f /usr/share/zoneinfo/Europe/Berlin && echo share-ok`],
  });
  t.is(r.exitCode, 0, r.output);
  t.regex(r.output, /^0$/m);
  t.notRegex(r.output, /FAILED|not found/);
  for (const tool of tools) t.regex(r.output, new RegExp(`^${tool} \\(PostgreSQL\\) 15\\.`, 'm'), tool);
  t.regex(r.output, /^C\.utf8$/m);
  t.regex(r.output, /^share-ok$/m);
});
