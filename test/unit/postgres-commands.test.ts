/**
 * The postgres plugin's link, unlink, new-password, info, expose, unexpose
 * and psql on the controller side (plain JS, run as shipped through
 * lib/main.js). A small HTTP server stands in for the controller at a
 * capability URL with a path, and a fake `docker` ($VOODU_DOCKER, a script
 * that logs its argv and stdin and answers from a rule list) stands in for
 * the pods: so the tests see that ALTER ROLE runs on the current primary,
 * with the password on stdin and never in argv, before anything is written.
 * What needs real PostgreSQL is test/e2e/postgres-link.test.ts's.
 */
import test from 'ava';
import { startFakeController, startFakeDocker, type FakeController, type FakeDocker } from '../helpers/fake-controller.js';
import { main } from '../../plugins/postgres/lib/main.js';
import { describeCluster } from '../../plugins/postgres/lib/resource.js';
import { READ_POOL_QUERY, buildLinkUrls, composePostgresUrl, encodeUserinfo, redactUrl } from '../../plugins/postgres/lib/urls.js';
import { LINKED_KEY, READS_KEY, addToList, consumerActions, linkedConsumers, parseList, removeFromList, trackingActions } from '../../plugins/postgres/lib/consumers.js';
import { postgresPorts } from '../../plugins/postgres/lib/commands/expose.js';
import { bindAddress } from '../../plugins/postgres/lib/commands/info.js';
import { psqlArgv } from '../../plugins/postgres/lib/commands/psql.js';
import { rotationSql } from '../../plugins/postgres/lib/commands/new-password.js';
import { splitGlobalFlags } from '../../cli/main.js';

// ---------------------------------------------------------------- a fake controller and a fake docker

interface DockerRule {
  /** A substring of the argv joined by spaces. */
  match: string;
  code?: number;
  stdout?: string;
  stderr?: string;
}

let fake: FakeController;
let docker: FakeDocker;
let rules: DockerRule[] = [];

test.before(async () => {
  fake = await startFakeController();
  docker = await startFakeDocker((c) => rules.find((r) => c.argv.join(' ').includes(r.match)));
});

test.after.always(async () => {
  await fake?.close();
  await docker?.close();
});

test.beforeEach(() => {
  fake.reset();
  docker.calls = [];
  rules = [];
});

function setDocker(r: DockerRule[]) {
  rules = r;
}

const PW = 'p@ss/word';
const ENC = 'p%40ss%2Fword';

/** A statefulset spec as the expansion writes it. */
const pg = (replicas: number, env: Record<string, string> = {}, extra: Record<string, unknown> = {}) => ({
  image: 'voodu-test/postgres:15',
  replicas,
  ports: [String(env.PG_PORT ?? 5432)],
  env: { POSTGRES_USER: 'app', POSTGRES_DB: 'appdata', PG_PORT: '5432', PGDATA: '/var/lib/postgresql/data/pgdata', PG_NAME: 'db', PG_REPLICATION_USER: 'replicator', ...env },
  volume_claims: [{ name: 'data', mount_path: '/var/lib/postgresql/data' }],
  ...extra,
});

const cluster = (replicas: number, config: Record<string, string> = {}, env: Record<string, string> = {}) =>
  describeCluster({ scope: 'prod', name: 'db', spec: pg(replicas, env), config, own: config });

/** Runs one command as the controller would; answers {code, data | error}. */
async function call(command: string, args: string[], stdin?: string) {
  let out = '';
  let err = '';
  let code = 0;
  await main([command, ...args], { PATH: process.env.PATH, VOODU_DOCKER: docker.bin }, {
    stdin: async () => stdin ?? JSON.stringify({ plugin: 'pg', command, controller_url: fake.url, plugin_dir: '/tmp', node_name: 'voodu-0' }),
    out: (s) => (out += s),
    err: (s) => (err += s),
    exit: (c) => (code = c),
  });
  if (code !== 0) {
    // Progress lines may precede the envelope on stderr: the envelope is the last line.
    const last = err.trim().split('\n').pop()!;
    const e = JSON.parse(last);
    if (e.status !== 'error' || typeof e.error !== 'string') throw new Error(`not an error envelope: ${err}`);
    return { code, error: e.error as string, data: undefined as any, out };
  }
  const parsed = out.trim().startsWith('{') ? JSON.parse(out) : undefined;
  return { code, data: parsed?.data, error: undefined as string | undefined, out };
}

// ---------------------------------------------------------------- URLs

test.serial('URLs: postgres://<user>:<encoded pw>@<host>:<port>/<db>; multi-host h1:p,h2:p with the pool query; redaction', (t) => {
  t.is(encodeUserinfo(PW), ENC);
  t.is(encodeUserinfo("a b!'()*"), 'a%20b%21%27%28%29%2A');
  t.is(composePostgresUrl({ user: 'app', password: PW, hosts: ['db-0.prod.voodu'], port: 5433, db: 'appdata' }), `postgres://app:${ENC}@db-0.prod.voodu:5433/appdata`);
  t.is(
    composePostgresUrl({ user: 'app', password: 'x', hosts: ['db-1.prod.voodu', 'db-2.prod.voodu'], port: 5432, db: 'appdata', query: READ_POOL_QUERY }),
    'postgres://app:x@db-1.prod.voodu:5432,db-2.prod.voodu:5432/appdata?target_session_attrs=any',
  );
  t.is(redactUrl(`postgres://app:${ENC}@db-0.prod.voodu:5432/appdata`), 'postgres://app:***@db-0.prod.voodu:5432/appdata');
  t.is(redactUrl('postgres://app:x@a:1,b:1/d?target_session_attrs=any'), 'postgres://app:***@a:1,b:1/d?target_session_attrs=any');
});

test.serial('link URLs follow the current primary, the configured user/db/port; --reads = the standbys, one pod → READ = WRITE', (t) => {
  const one = cluster(1, { POSTGRES_PASSWORD: 'deadbeef' }, { POSTGRES_USER: 'postgres', POSTGRES_DB: 'appdata' });
  t.deepEqual(buildLinkUrls(one), { write: 'postgres://postgres:deadbeef@db-0.prod.voodu:5432/appdata', primaryOrdinal: 0, standbys: [] });
  t.is(buildLinkUrls(one, { reads: true }).read, buildLinkUrls(one).write, 'one pod: reads echo the primary');

  const three = cluster(3, { POSTGRES_PASSWORD: PW, PG_PRIMARY_ORDINAL: '1' }, { PG_PORT: '5433' });
  const u = buildLinkUrls(three, { reads: true });
  t.is(u.write, `postgres://app:${ENC}@db-1.prod.voodu:5433/appdata`);
  t.is(u.read, `postgres://app:${ENC}@db-0.prod.voodu:5433,db-2.prod.voodu:5433/appdata?${READ_POOL_QUERY}`, 'every pod but the primary');
  t.is(buildLinkUrls(three).read, undefined, 'no --reads: no read URL');
  t.is(buildLinkUrls(three, { primaryOrdinal: 2, password: 'new' }).write, 'postgres://app:new@db-2.prod.voodu:5433/appdata', 'a promote/rotation about to be written overrides');
  t.throws(() => buildLinkUrls(three, { primaryOrdinal: 3 }), { message: /primary ordinal 3 names no pod \(replicas = 3\)/ });

  const hcl = cluster(1, {}, { POSTGRES_PASSWORD: 'fromhcl' });
  t.true(hcl.passwordFromHcl);
  t.is(buildLinkUrls(hcl).write, 'postgres://app:fromhcl@db-0.prod.voodu:5432/appdata', 'a password given in HCL works');
  t.throws(() => buildLinkUrls(cluster(1)), { message: /provider has no POSTGRES_PASSWORD in config bucket — has the resource been applied\?/ });
  t.is(cluster(3, { PG_PRIMARY_ORDINAL: '9', POSTGRES_PASSWORD: 'x' }).primaryOrdinal, 0, 'an out-of-range ordinal falls back to pod 0');
});

// ---------------------------------------------------------------- consumer records

test.serial('linked consumers: list helpers, --reads remembered beside the list, tracking writes skip the restart', (t) => {
  t.deepEqual(parseList(' prod/web , ,prod/rep,,prod/web'), ['prod/web', 'prod/rep']);
  t.is(addToList('prod/web', 'prod/rep'), 'prod/web,prod/rep');
  t.is(addToList('prod/web,prod/rep', 'prod/web'), 'prod/web,prod/rep');
  t.is(removeFromList('prod/web,prod/rep', 'prod/web'), 'prod/rep');
  t.is(removeFromList('prod/rep', 'prod/rep'), '');
  t.is(LINKED_KEY, 'POSTGRES_LINKED_CONSUMERS');
  t.deepEqual(linkedConsumers({ [LINKED_KEY]: 'prod/web,prod/rep,bad/x/y,bare', [READS_KEY]: 'prod/rep' }), [
    { ref: 'prod/web', scope: 'prod', name: 'web', reads: false },
    { ref: 'prod/rep', scope: 'prod', name: 'rep', reads: true },
  ]);
  t.deepEqual(trackingActions('prod', 'db', {}, 'prod/rep', { link: true, reads: true }), [
    { type: 'config_set', scope: 'prod', name: 'db', kv: { [LINKED_KEY]: 'prod/rep', [READS_KEY]: 'prod/rep' }, skip_restart: true },
  ]);
  t.deepEqual(trackingActions('prod', 'db', { [LINKED_KEY]: 'prod/rep', [READS_KEY]: 'prod/rep' }, 'prod/rep', { link: true, reads: true }), [], 'the same link again writes nothing');
  t.deepEqual(trackingActions('prod', 'db', { [LINKED_KEY]: 'prod/rep', [READS_KEY]: 'prod/rep' }, 'prod/rep', { link: true, reads: false }), [
    { type: 'config_unset', scope: 'prod', name: 'db', keys: [READS_KEY], skip_restart: true },
  ]);
  t.deepEqual(trackingActions('prod', 'db', { [LINKED_KEY]: 'prod/web,prod/rep', [READS_KEY]: 'prod/rep' }, 'prod/rep', { link: false }), [
    { type: 'config_set', scope: 'prod', name: 'db', kv: { [LINKED_KEY]: 'prod/web' }, skip_restart: true },
    { type: 'config_unset', scope: 'prod', name: 'db', keys: [READS_KEY], skip_restart: true },
  ]);
});

test.serial('consumerActions: every linked consumer in its remembered shape, for a given primary and password (what promote uses)', (t) => {
  const c = cluster(3, { POSTGRES_PASSWORD: 'old', [LINKED_KEY]: 'prod/web,prod/rep', [READS_KEY]: 'prod/rep' });
  t.deepEqual(consumerActions(c, { primaryOrdinal: 2, password: 'new' }), [
    { type: 'config_set', scope: 'prod', name: 'web', kv: { DATABASE_URL: 'postgres://app:new@db-2.prod.voodu:5432/appdata' } },
    {
      type: 'config_set',
      scope: 'prod',
      name: 'rep',
      kv: { DATABASE_URL: 'postgres://app:new@db-2.prod.voodu:5432/appdata', DATABASE_READ_URL: `postgres://app:new@db-0.prod.voodu:5432,db-1.prod.voodu:5432/appdata?${READ_POOL_QUERY}` },
    },
  ]);
  t.deepEqual(consumerActions(c).map((a) => a.kv.DATABASE_URL), ['postgres://app:old@db-0.prod.voodu:5432/appdata', 'postgres://app:old@db-0.prod.voodu:5432/appdata'], 'defaults: the current primary and password');
  t.deepEqual(consumerActions(cluster(3, { POSTGRES_PASSWORD: 'x' })), []);
});

// ---------------------------------------------------------------- link / unlink

test.serial('link, one pod: DATABASE_URL on the primary, the consumer recorded without a database restart', async (t) => {
  fake.specs['prod/db'] = pg(1);
  fake.buckets['prod/db'] = { POSTGRES_PASSWORD: PW };
  const r = await call('link', ['prod/db', 'prod/web']);
  t.is(r.code, 0, r.error);
  t.deepEqual(r.data.actions, [
    { type: 'config_set', scope: 'prod', name: 'web', kv: { DATABASE_URL: `postgres://app:${ENC}@db-0.prod.voodu:5432/appdata` } },
    { type: 'config_set', scope: 'prod', name: 'db', kv: { [LINKED_KEY]: 'prod/web' }, skip_restart: true },
  ]);
  t.is(r.data.message, 'linked prod/db → prod/web — set DATABASE_URL (primary: pod 0, db-0.prod.voodu)');
  t.true(fake.requests.some((q) => q.startsWith('GET /describe?kind=statefulset&scope=prod&name=db')), fake.requests.join('\n'));

  const reads = await call('link', ['--reads', 'prod/db', 'prod/web']);
  t.deepEqual(reads.data.actions[0].kv, { DATABASE_URL: `postgres://app:${ENC}@db-0.prod.voodu:5432/appdata`, DATABASE_READ_URL: `postgres://app:${ENC}@db-0.prod.voodu:5432/appdata` });
  t.regex(reads.data.message, /\+ DATABASE_READ_URL \(single pod: reads go to the primary\)$/);
});

test.serial('link, three pods, primary promoted to 2, port 5433: --reads pools pods 0 and 1; relinking without --reads drops the read URL', async (t) => {
  fake.specs['prod/db'] = pg(3, { PG_PORT: '5433', POSTGRES_USER: 'svc' });
  fake.buckets['prod/db'] = { POSTGRES_PASSWORD: 'pw', PG_PRIMARY_ORDINAL: '2' };
  const r = await call('link', ['prod/db', 'prod/rep', '--reads']);
  t.is(r.code, 0, r.error);
  t.deepEqual(r.data.actions, [
    {
      type: 'config_set',
      scope: 'prod',
      name: 'rep',
      kv: { DATABASE_URL: 'postgres://svc:pw@db-2.prod.voodu:5433/appdata', DATABASE_READ_URL: `postgres://svc:pw@db-0.prod.voodu:5433,db-1.prod.voodu:5433/appdata?${READ_POOL_QUERY}` },
    },
    { type: 'config_set', scope: 'prod', name: 'db', kv: { [LINKED_KEY]: 'prod/rep', [READS_KEY]: 'prod/rep' }, skip_restart: true },
  ]);
  t.regex(r.data.message, /primary: pod 2, db-2\.prod\.voodu\) \+ DATABASE_READ_URL \(2 standby pool\)/);

  fake.buckets['prod/db'] = { ...fake.buckets['prod/db'], [LINKED_KEY]: 'prod/rep', [READS_KEY]: 'prod/rep' };
  fake.buckets['prod/rep'] = { DATABASE_URL: 'x', DATABASE_READ_URL: 'y' };
  const again = await call('link', ['prod/db', 'prod/rep']);
  t.deepEqual(again.data.actions, [
    { type: 'config_unset', scope: 'prod', name: 'rep', keys: ['DATABASE_READ_URL'], skip_restart: true },
    { type: 'config_set', scope: 'prod', name: 'rep', kv: { DATABASE_URL: 'postgres://svc:pw@db-2.prod.voodu:5433/appdata' } },
    { type: 'config_unset', scope: 'prod', name: 'db', keys: [READS_KEY], skip_restart: true },
  ]);
  t.regex(again.data.message, /removed DATABASE_READ_URL \(linked without --reads\)/);
});

test.serial('link: a password given in HCL works; an out-of-range PG_PRIMARY_ORDINAL is named', async (t) => {
  fake.specs['prod/db'] = pg(2, { POSTGRES_PASSWORD: 'hclpw' });
  fake.buckets['prod/db'] = { PG_PRIMARY_ORDINAL: '5' };
  const r = await call('link', ['prod/db', 'prod/web']);
  t.is(r.code, 0, r.error);
  t.is(r.data.actions[0].kv.DATABASE_URL, 'postgres://app:hclpw@db-0.prod.voodu:5432/appdata');
  t.regex(r.data.message, /note: PG_PRIMARY_ORDINAL=5 names no pod \(replicas = 2\), pod 0 taken as the primary/);
});

test.serial('link refusals name the argument, the resource and the fix', async (t) => {
  fake.specs['prod/db'] = pg(1);
  t.regex((await call('link', ['prod/db'])).error!, /missing argument\nusage: voodu pg:link/);
  t.regex((await call('link', ['prod/db', 'web'])).error!, /^consumer "web": needs its scope, as <scope>\/<name> \(e\.g\. prod\/web\)/);
  t.regex((await call('link', ['prod/nope', 'prod/web'])).error!, /^postgres prod\/nope: not found \(no statefulset prod\/nope is applied\); check the name, or apply its postgres block first/);
  t.regex((await call('link', ['prod/db', 'prod/db'])).error!, /is the provider itself/);
  t.regex((await call('link', ['prod/db', 'prod/web'])).error!, /postgres prod\/db: provider has no POSTGRES_PASSWORD in config bucket — has the resource been applied\? \(`voodu apply` generates it/);
  t.regex((await call('link', ['prod/db', 'prod/web', '--read'])).error!, /^--read: unknown flag \(this command takes --reads\)/);
  t.regex((await call('link', ['prod/db', 'prod/web'], '')).error!, /no controller URL/);
});

test.serial('unlink clears both URLs and the records; works when the provider is gone; says when there was nothing', async (t) => {
  fake.buckets['prod/db'] = { [LINKED_KEY]: 'prod/web,prod/rep', [READS_KEY]: 'prod/rep' };
  fake.buckets['prod/rep'] = { DATABASE_URL: 'a', DATABASE_READ_URL: 'b', OTHER: 'c' };
  const r = await call('unlink', ['prod/db', 'prod/rep']);
  t.is(r.code, 0, r.error);
  t.deepEqual(r.data.actions, [
    { type: 'config_unset', scope: 'prod', name: 'rep', keys: ['DATABASE_URL', 'DATABASE_READ_URL'] },
    { type: 'config_set', scope: 'prod', name: 'db', kv: { [LINKED_KEY]: 'prod/web' }, skip_restart: true },
    { type: 'config_unset', scope: 'prod', name: 'db', keys: [READS_KEY], skip_restart: true },
  ]);
  t.is(r.data.message, 'unlinked prod/rep from prod/db (DATABASE_URL, DATABASE_READ_URL removed)');
  t.false(fake.requests.some((q) => q.includes('/describe')), 'the statefulset is not needed');

  const none = await call('unlink', ['prod/db', 'prod/other']);
  t.is(none.code, 0);
  t.deepEqual(none.data.actions, []);
  t.regex(none.data.message, /prod\/other was not linked to prod\/db .*nothing to do/);
});

// ---------------------------------------------------------------- new-password

test.serial('new-password: ALTER ROLE on the current primary first (password on stdin only), then the bucket and every consumer in its shape', async (t) => {
  fake.specs['prod/db'] = pg(3);
  fake.buckets['prod/db'] = { POSTGRES_PASSWORD: 'old', PG_PRIMARY_ORDINAL: '1', [LINKED_KEY]: 'prod/web,prod/rep', [READS_KEY]: 'prod/rep' };
  setDocker([{ match: 'exec -i prod-db.1 psql', stdout: '' }]);
  const r = await call('new-password', ['prod/db']);
  t.is(r.code, 0, r.error);
  const [provider, web, rep] = r.data.actions;
  const pw: string = provider.kv.POSTGRES_PASSWORD;
  t.regex(pw, /^[0-9a-f]{64}$/);
  t.deepEqual(provider, { type: 'config_set', scope: 'prod', name: 'db', kv: { POSTGRES_PASSWORD: pw }, skip_restart: true });
  t.deepEqual(web, { type: 'config_set', scope: 'prod', name: 'web', kv: { DATABASE_URL: `postgres://app:${pw}@db-1.prod.voodu:5432/appdata` } });
  t.deepEqual(rep.kv, { DATABASE_URL: `postgres://app:${pw}@db-1.prod.voodu:5432/appdata`, DATABASE_READ_URL: `postgres://app:${pw}@db-0.prod.voodu:5432,db-2.prod.voodu:5432/appdata?${READ_POOL_QUERY}` });
  t.is(r.data.message, 'rotated password for prod/db — refreshed 2 linked consumer(s)');

  const calls = docker.calls;
  t.is(calls.length, 1);
  t.deepEqual(calls[0]!.argv.slice(0, 4), ['exec', '-i', 'prod-db.1', 'psql'], 'on the current primary');
  t.deepEqual(calls[0]!.argv.slice(calls[0]!.argv.indexOf('-U'), calls[0]!.argv.indexOf('-U') + 6), ['-U', 'app', '-d', 'postgres', '-p', '5432']);
  t.false(calls[0]!.argv.join(' ').includes(pw), 'the password is in no argv');
  t.regex(calls[0]!.stdin, new RegExp(`^BEGIN;\\nSET LOCAL log_statement = 'none';\\n.*ALTER ROLE "app" WITH PASSWORD '${pw}';\\nCOMMIT;\\n$`, 's'));
});

test.serial('new-password --replication: both roles in one transaction; the pods restart unless --no-restart', async (t) => {
  fake.specs['prod/db'] = pg(2);
  fake.buckets['prod/db'] = { POSTGRES_PASSWORD: 'old', POSTGRES_REPLICATION_PASSWORD: 'oldrepl' };
  setDocker([{ match: 'exec -i prod-db.0 psql' }]);
  const r = await call('new-password', ['--replication', 'prod/db']);
  t.is(r.code, 0, r.error);
  const kv = r.data.actions[0].kv;
  t.regex(kv.POSTGRES_REPLICATION_PASSWORD, /^[0-9a-f]{64}$/);
  t.not(kv.POSTGRES_REPLICATION_PASSWORD, kv.POSTGRES_PASSWORD);
  t.is(r.data.actions[0].skip_restart, false, 'standbys must restart to reconnect with the new replication password');
  t.regex(r.data.message, /^rotated password for prod\/db — refreshed 0 linked consumer\(s\); rotated the replication password too \(replicator\); the pods restart/);
  const [c] = docker.calls;
  t.regex(c!.stdin, /ALTER ROLE "app" WITH PASSWORD '[0-9a-f]{64}';\nALTER ROLE "replicator" WITH PASSWORD '[0-9a-f]{64}';\nCOMMIT;/);

  const held = await call('new-password', ['prod/db', '--replication', '--no-restart']);
  t.is(held.data.actions[0].skip_restart, true);
  t.regex(held.data.message, /pod restart suppressed via --no-restart/);
  t.is(rotationSql([{ role: 'we"ird', password: "it's" }]).split('\n')[3], `ALTER ROLE "we""ird" WITH PASSWORD 'it''s';`);
});

test.serial('new-password: a failed ALTER writes nothing and names the pod and the fix; an HCL password is refused before any SQL', async (t) => {
  fake.specs['prod/db'] = pg(1);
  fake.buckets['prod/db'] = { POSTGRES_PASSWORD: 'old', [LINKED_KEY]: 'prod/web' };
  setDocker([{ match: 'exec -i prod-db.0', code: 1, stderr: 'Error response from daemon: container abc is not running' }]);
  const down = await call('new-password', ['prod/db']);
  t.is(down.code, 1);
  t.regex(down.error!, /^postgres prod\/db: the password was not rotated — ALTER ROLE on prod-db\.0: Error response from daemon: container abc is not running; nothing was written \(the old password still works\)\. Check that the primary pod prod-db\.0 runs \(`voodu get pods -s prod -n db`; `voodu start prod\/db\.0`\)/);
  t.is(down.data, undefined, 'no actions at all');

  fake.specs['prod/db'] = pg(1, { POSTGRES_PASSWORD: 'hclpw' });
  fake.buckets['prod/db'] = {};
  docker.calls = [];
  const hcl = await call('new-password', ['prod/db']);
  t.regex(hcl.error!, /its password is written in the HCL block .*remove `password` from the postgres "prod" "db" block and run `voodu apply` first, then `voodu pg:new-password prod\/db` \(PostgreSQL keeps the password it was initialised with/);
  t.deepEqual(docker.calls, [], 'no SQL ran');

  fake.specs['prod/db'] = pg(1);
  t.regex((await call('new-password', ['prod/db'])).error!, /provider has no POSTGRES_PASSWORD in config bucket/);
  t.regex((await call('new-password', ['prod/db', '--replica'])).error!, /^--replica: unknown flag \(this command takes --replication, --no-restart\)/);
});

// ---------------------------------------------------------------- info

test.serial('info: redacted unless --show-password; -o json has every documented field and each pod’s live role; a down pod is tolerated', async (t) => {
  fake.specs['prod/db'] = pg(3);
  fake.buckets['prod/db'] = { POSTGRES_PASSWORD: PW, POSTGRES_REPLICATION_PASSWORD: 'replpw', PG_PRIMARY_ORDINAL: '1', [LINKED_KEY]: 'prod/web,prod/rep', [READS_KEY]: 'prod/rep' };
  const inspect = [
    { Name: '/prod-db.0', State: { Status: 'running' }, NetworkSettings: { Ports: { '5432/tcp': [{ HostIp: '127.0.0.1', HostPort: '49001' }] } } },
    { Name: '/prod-db.1', State: { Status: 'running' }, NetworkSettings: { Ports: { '5432/tcp': [{ HostIp: '127.0.0.1', HostPort: '49002' }] } } },
  ];
  setDocker([
    { match: 'inspect --type container', code: 1, stdout: JSON.stringify(inspect), stderr: 'Error: No such object: prod-db.2' },
    // Pod 0 answers "primary" although pod 1 is the recorded one: flagged.
    { match: 'exec -i prod-db.0 psql', stdout: 'f\n' },
    { match: 'exec -i prod-db.1 psql', stdout: 'f\n' },
  ]);
  const json = await call('info', ['prod/db', '-o', 'json']);
  t.is(json.code, 0, json.error);
  t.false(json.data.message.includes(ENC) || json.data.message.includes(PW) || json.data.message.includes('replpw'));
  const f = JSON.parse(json.data.message);
  t.like(f, {
    ref: 'prod/db',
    replicas: 3,
    primary_ordinal: 1,
    primary_fqdn: 'db-1.prod.voodu',
    super_user: 'app',
    database: 'appdata',
    port: 5432,
    replication_user: 'replicator',
    password_redacted: '***',
    replication_password_redacted: '***',
    exposed: false,
    bind_address: '127.0.0.1',
  });
  t.deepEqual(f.standby_fqdns, ['db-0.prod.voodu', 'db-2.prod.voodu']);
  t.is(f.urls.write, 'postgres://app:***@db-1.prod.voodu:5432/appdata');
  t.is(f.urls.read, `postgres://app:***@db-0.prod.voodu:5432,db-2.prod.voodu:5432/appdata?${READ_POOL_QUERY}`);
  t.deepEqual(f.linked_consumers, [{ ref: 'prod/web', reads: false }, { ref: 'prod/rep', reads: true }]);
  t.like(f.pods[0], { ordinal: 0, state: 'running', live_role: 'primary', expected_role: 'standby', role_mismatch: true, published: ['127.0.0.1:49001'] });
  t.like(f.pods[1], { ordinal: 1, live_role: 'primary', role_mismatch: false });
  t.like(f.pods[2], { ordinal: 2, state: 'missing', live_role: 'unknown', role_mismatch: false });
  t.is(f.password, undefined);

  const shown = JSON.parse((await call('info', ['--show-password', 'prod/db', '--output=json'])).data.message);
  t.is(shown.password, PW);
  t.is(shown.replication_password, 'replpw');
  t.is(shown.urls.write, `postgres://app:${ENC}@db-1.prod.voodu:5432/appdata`);

  const text = await call('info', ['prod/db']);
  const m: string = text.data.message;
  t.false(m.includes(ENC), m);
  t.regex(m, /^postgres\/prod\/db\n/);
  t.regex(m, /password: {10}\*\*\* {3}\(--show-password to see it\)/);
  t.regex(m, /primary: {11}pod 1 — db-1\.prod\.voodu/);
  t.regex(m, /prod-db\.0 {2}standby — running, live role primary {2}⚠ expected standby {2}\(published 127\.0\.0\.1:49001\)/);
  t.regex(m, /prod-db\.2 {2}standby — missing/);
  t.regex(m, /- prod\/rep {2}DATABASE_URL \+ DATABASE_READ_URL \(--reads\)/);
  t.regex((await call('info', ['prod/db', '-o', 'yaml'])).error!, /--output "yaml": use json or text/);
});

test.serial('info of a fresh one-pod cluster with an HCL password: no standbys, the source named; none linked', async (t) => {
  fake.specs['prod/db'] = pg(1, { POSTGRES_PASSWORD: 'hclpw' }, { ports: ['0.0.0.0:5432:5432'] });
  fake.buckets['prod/db'] = { PG_EXPOSE_PUBLIC: 'true' };
  const f = JSON.parse((await call('info', ['prod/db', '-o', 'json'])).data.message);
  t.like(f, { replicas: 1, primary_ordinal: 0, password_redacted: '***', password_source: 'hcl', replication_password_redacted: '<unset>', exposed: true, bind_address: '0.0.0.0' });
  t.deepEqual(f.standby_fqdns, []);
  t.is(f.urls.read, f.urls.write);
  const m = (await call('info', ['prod/db'])).data.message as string;
  t.regex(m, /standbys: {10}\(none — single pod\)/);
  t.regex(m, /\(none — voodu pg:link prod\/db <consumer> adds one\)/);
  t.regex(m, /exposed: {11}yes — published on 0\.0\.0\.0/);
});

test.serial('bindAddress reads the postgres entry of spec.ports', (t) => {
  const at = (ports: unknown[], port = 5432) => bindAddress(describeCluster({ scope: 's', name: 'n', spec: { ports, env: { PG_PORT: String(port) } }, config: {} }));
  t.is(at(['5432']), '127.0.0.1');
  t.is(at(['0.0.0.0:5432:5432']), '0.0.0.0');
  t.is(at(['10.0.0.5:6000:5433'], 5433), '10.0.0.5');
  t.is(at(['[::]:5432:5432']), '::');
  t.is(at(['8080']), null);
});

// ---------------------------------------------------------------- expose / unexpose

test.serial('expose: one pod only — refused for replicas > 1 naming pgbouncer, an SSH tunnel and replicas = 1', async (t) => {
  fake.specs['prod/db'] = pg(3);
  const r = await call('expose', ['prod/db']);
  t.is(r.code, 1);
  t.regex(r.error!, /^postgres prod\/db: expose is for one pod only \(replicas = 3\)/);
  t.regex(r.error!, /pgbouncer/);
  t.regex(r.error!, /SSH tunnel .*ssh -L 5432:127\.0\.0\.1:<published port>/);
  t.regex(r.error!, /set replicas = 1 in the postgres "prod" "db" block, apply, then expose/);
});

test.serial('expose / unexpose: the bucket record, then the stored statefulset with the new ports (others kept); unexpose always allowed', async (t) => {
  const spec = pg(1, { PG_PORT: '5433' }, { ports: ['5433', '9187'] });
  fake.specs['prod/db'] = spec;
  const r = await call('expose', ['prod/db']);
  t.is(r.code, 0, r.error);
  t.deepEqual(r.data.actions, [
    { type: 'config_set', scope: 'prod', name: 'db', kv: { PG_EXPOSE_PUBLIC: 'true' }, skip_restart: true },
    { type: 'apply_manifest', manifest: { kind: 'statefulset', scope: 'prod', name: 'db', spec: { ...spec, ports: ['0.0.0.0:5433:5433', '9187'] } } },
  ]);
  t.regex(r.data.message, /exposed on 0\.0\.0\.0:5433 — the pod is recreated/);

  fake.specs['prod/db'] = pg(3, {}, { ports: ['0.0.0.0:5432:5432'] });
  fake.buckets['prod/db'] = { PG_EXPOSE_PUBLIC: 'true' };
  const u = await call('unexpose', ['prod/db']);
  t.is(u.code, 0, u.error);
  t.deepEqual(u.data.actions[0], { type: 'config_unset', scope: 'prod', name: 'db', keys: ['PG_EXPOSE_PUBLIC'], skip_restart: true });
  t.deepEqual(u.data.actions[1].manifest.spec.ports, ['5432']);
  t.is(u.data.actions[1].manifest.spec.replicas, 3);
  t.is(u.data.message, 'postgres prod/db: port 5432 published on 127.0.0.1 only');

  t.deepEqual(postgresPorts(undefined, 5432, true), ['0.0.0.0:5432:5432']);
  t.deepEqual(postgresPorts(['127.0.0.1:15432:5432', '5432/udp'], 5432, false), ['5432', '5432/udp']);
});

// ---------------------------------------------------------------- psql

test.serial('psql: exec_local on the current primary as the configured user/db/port; --replica N / --replica=N / -r N; -c without a terminal', async (t) => {
  fake.specs['prod/db'] = pg(3, { PG_PORT: '5433' });
  fake.buckets['prod/db'] = { PG_PRIMARY_ORDINAL: '2' };
  const running = (c: string) => ({ match: `inspect --type container --format {{json .State}}\t{{.Config.Image}} ${c}`, stdout: `{"Status":"running","Running":true}\timg\n` });
  setDocker([running('prod-db.2'), running('prod-db.1')]);
  const r = await call('psql', ['prod/db']);
  t.is(r.code, 0, r.error);
  t.is(r.data.message, '');
  t.deepEqual(r.data.actions, [
    {
      type: 'exec_local',
      command: [docker.bin, 'exec', '-it', 'prod-db.2', 'psql', '-U', 'app', '-d', 'appdata', '-p', '5433'],
      summary: 'psql in prod-db.2 (pod 2, the primary; user=app, db=appdata, port 5433)',
    },
  ]);
  for (const args of [['prod/db', '--replica', '1'], ['--replica=1', 'prod/db'], ['-r', '1', 'prod/db']]) {
    const s = await call('psql', [...args, '-c', 'SELECT 1']);
    t.is(s.code, 0, s.error);
    t.deepEqual(s.data.actions[0].command.slice(1), ['exec', '-i', 'prod-db.1', 'psql', '-U', 'app', '-d', 'appdata', '-p', '5433', '-c', 'SELECT 1'], args.join(' '));
    t.regex(s.data.actions[0].summary, /pod 1, a standby/);
  }
  const rest = await call('psql', ['prod/db', '--', '-At', '-h', 'x', '--command=select 2']);
  t.deepEqual(rest.data.actions[0].command.slice(1), ['exec', '-i', 'prod-db.2', 'psql', '-U', 'app', '-d', 'appdata', '-p', '5433', '-At', '-h', 'x', '--command=select 2'], '-h after -- is psql’s');
  t.deepEqual(psqlArgv({ docker: 'docker', container: 'c', user: 'u', db: 'd', port: 1, rest: ['-x'] })[2], '-it', 'an interactive flag keeps the terminal');
  t.deepEqual(psqlArgv({ docker: 'docker', container: 'c', user: 'u', db: 'd', port: 1, rest: ['-Atc', 'select 1'] })[2], '-i');
});

test.serial('psql refusals: missing or stopped container, pod out of range, stray positionals', async (t) => {
  fake.specs['prod/db'] = pg(2);
  setDocker([{ match: 'prod-db.1', stdout: `{"Status":"exited","Running":false}\timg\n` }]);
  t.regex((await call('psql', ['prod/db'])).error!, /^postgres prod\/db: pod 0 has no container prod-db\.0 on this host; check `voodu get pods -s prod -n db` \(is the block applied\?\)$/);
  t.regex((await call('psql', ['prod/db', '--replica', '1'])).error!, /container prod-db\.1 \(pod 1\) is exited, not running; start it with `voodu start prod\/db\.1` or pick another pod with --replica N/);
  t.regex((await call('psql', ['prod/db', '--replica', '2'])).error!, /^--replica 2: postgres prod\/db has 2 pods \(ordinals 0\.\.1\)/);
  t.regex((await call('psql', ['prod/db', '--replica', 'x'])).error!, /^--replica: "x" is not an ordinal/);
  t.regex((await call('psql', ['prod/db', 'select 1'])).error!, /unexpected argument "select 1": psql's own arguments go after --, e\.g\. voodu pg:psql prod\/db -- select 1/);
  t.regex((await call('psql', ['prod/db', '-c'])).error!, /^-c: needs a value, e\.g\. --command 'SELECT 1'/);
});

// ---------------------------------------------------------------- help and the CLI's flags

test.serial('help: -h anywhere before -- prints the command help on stdout, exit 0', async (t) => {
  for (const c of ['link', 'unlink', 'new-password', 'info', 'expose', 'unexpose', 'psql']) {
    const r = await call(c, ['prod/db', '--help']);
    t.is(r.code, 0, c);
    t.regex(r.out, new RegExp(`^Usage: voodu pg:${c} `), c);
  }
  const expose = (await call('expose', ['-h'])).out;
  t.regex(expose, /pgbouncer/);
  t.regex(expose, /SSH tunnel/);
  t.regex(expose, /pg:new-password/);
  t.regex((await call('psql', ['-h'])).out, /unix socket/);
});

test.serial('the CLI reads its global flags before the verb only: -o json and -r after a plugin verb reach the plugin', (t) => {
  t.deepEqual(splitGlobalFlags(['pg:info', 'prod/db', '-o', 'json']), { globals: {}, rest: ['pg:info', 'prod/db', '-o', 'json'] });
  t.deepEqual(splitGlobalFlags(['pg:psql', 'prod/db', '-r', '1']), { globals: {}, rest: ['pg:psql', 'prod/db', '-r', '1'] });
  t.deepEqual(splitGlobalFlags(['-o', 'json', 'pg:info', 'prod/db']).globals, { output: 'json' });
});
