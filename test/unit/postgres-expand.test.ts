/**
 * The postgres plugin's expansion, run as shipped (plain JS): the block's
 * keys (parse, validate, strip), the statefulset defaults and the merge,
 * passwords and the bucket actions, the conf files, the two init scripts
 * and the entrypoint wrapper — the scripts both read and run under bash
 * with stub pg_* commands — and bin/voodu-postgres's envelope. The
 * manifests it emits are put through the controller's own validation.
 */
import test from 'ava';
import { execFile, spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { validateManifest } from '../../lib/manifest/validate.js';
import { INCLUDE_DIR_LINE, INCLUDE_RUNTIME_LINE } from '../../plugins/postgres/lib/expand/conf-include.js';
import { assetRef, composeDefaults, publishedPorts } from '../../plugins/postgres/lib/expand/defaults.js';
import { renderEntrypoint } from '../../plugins/postgres/lib/expand/entrypoint.js';
import { defaults, expand, expandRequest, parseRequest, type ExpandRequest } from '../../plugins/postgres/lib/expand/index.js';
import { renderInitInclude } from '../../plugins/postgres/lib/expand/init-include.js';
import { renderInitReplication } from '../../plugins/postgres/lib/expand/init-replication.js';
import { mergeEnv, mergeSpec, mergeVolumes, volumeDest } from '../../plugins/postgres/lib/expand/merge.js';
import { bucketActions, generatePassword, resolvePasswords } from '../../plugins/postgres/lib/expand/password.js';
import { ASSET_MOUNTS } from '../../plugins/postgres/lib/expand/paths.js';
import { formatPgValue, quotePgString, renderPgConfig } from '../../plugins/postgres/lib/expand/pg-config.js';
import { PLUGIN_OWNED, parseSpec, stripPluginOwned, validateSpec } from '../../plugins/postgres/lib/expand/spec.js';
import { renderStreamingConf } from '../../plugins/postgres/lib/expand/streaming.js';
import { main } from '../../plugins/postgres/lib/main.js';
import { dnsSuffix, podHost } from '../../plugins/postgres/lib/ref.js';
import { kinds } from '../helpers/kinds.js';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../../plugins/postgres/bin/voodu-postgres', import.meta.url));
const HEX64 = /^[0-9a-f]{64}$/;
const req = (over: Partial<ExpandRequest> = {}): ExpandRequest => ({ kind: 'postgres', scope: 'prod', name: 'db', spec: {}, config: {}, ...over });
/** A bucket as a second apply sees it. */
const APPLIED = { POSTGRES_PASSWORD: 'a'.repeat(64), POSTGRES_REPLICATION_PASSWORD: 'b'.repeat(64), PG_PRIMARY_ORDINAL: '0', BACKUP_KEEP: '30' };
const sts = (r: ExpandRequest, env: Record<string, string> = {}) => expandRequest(r, { env }).manifests[1]!.spec;
const asset = (r: ExpandRequest = req()) => expandRequest(r, { env: {} }).manifests[0]!.spec.files as Record<string, string>;
/** The error message of fn, '' when it does not throw. */
const errorOf = (fn: () => unknown): string => {
  try {
    fn();
    return '';
  } catch (err) {
    return (err as Error).message;
  }
};
const validates = (spec: Record<string, unknown>) => validateSpec(parseSpec(spec));

// --- parse ---------------------------------------------------------------

test('parseSpec: an absent or empty block gets every default', (t) => {
  const want = {
    image: 'postgres:17',
    replicas: 1,
    database: 'postgres',
    user: 'postgres',
    password: '',
    port: 5432,
    initdb_locale: 'C.UTF-8',
    initdb_encoding: 'UTF8',
    pg_config: {},
    extensions: [],
    replication_user: 'replicator',
  };
  t.deepEqual(parseSpec(undefined), want);
  t.deepEqual(parseSpec(null), want);
  t.deepEqual(parseSpec({}), want);
});

test('parseSpec: every override is honoured; "" keeps the default; whole floats are whole numbers', (t) => {
  const pg = parseSpec({
    image: 'postgres:16',
    replicas: 3.0,
    database: 'appdata',
    user: 'appuser',
    password: 's3cret',
    port: 5433,
    initdb_locale: 'en_US.UTF-8',
    initdb_encoding: 'LATIN1',
    pg_config: { max_connections: 200 },
    extensions: ['pgcrypto'],
    replication_user: 'streamer',
  });
  t.deepEqual(pg, {
    image: 'postgres:16',
    replicas: 3,
    database: 'appdata',
    user: 'appuser',
    password: 's3cret',
    port: 5433,
    initdb_locale: 'en_US.UTF-8',
    initdb_encoding: 'LATIN1',
    pg_config: { max_connections: 200 },
    extensions: ['pgcrypto'],
    replication_user: 'streamer',
  });
  const blank = parseSpec({ image: '', database: '', user: '', password: '', initdb_locale: '', initdb_encoding: '', replication_user: '' });
  t.is(blank.image, 'postgres:17');
  t.is(blank.database, 'postgres');
  t.is(blank.user, 'postgres');
  t.is(blank.password, '');
  t.is(blank.initdb_locale, 'C.UTF-8');
  t.is(blank.replication_user, 'replicator');
});

test('parseSpec: wrong types are refused naming the field, the type and how to write it', (t) => {
  t.regex(errorOf(() => parseSpec({ replicas: 1.5 })), /^replicas = 1\.5: expected a whole number; write it as replicas = 2/);
  t.regex(errorOf(() => parseSpec({ replicas: '2' })), /^replicas: expected a number, got string "2"/);
  t.regex(errorOf(() => parseSpec({ port: 5432.5 })), /^port = 5432\.5: expected a whole number/);
  t.regex(errorOf(() => parseSpec({ port: '5432' })), /^port: expected a number, got string/);
  t.regex(errorOf(() => parseSpec({ database: 7 })), /^database: expected a string, got number 7; write it as database = "app"/);
  t.regex(errorOf(() => parseSpec({ user: true })), /^user: expected a string, got bool/);
  t.regex(errorOf(() => parseSpec({ password: ['x'] })), /^password: expected a string, got list/);
  t.regex(errorOf(() => parseSpec({ image: { a: 1 } })), /^image: expected a string, got map/);
  t.regex(errorOf(() => parseSpec({ pg_config: ['max_connections=1'] })), /^pg_config: expected a map, got list/);
  t.regex(errorOf(() => parseSpec({ extensions: 'pgcrypto' })), /^extensions: expected a list of strings, got string/);
  t.regex(errorOf(() => parseSpec({ extensions: [1] })), /^extensions\[0\]: expected a string, got number/);
  t.regex(errorOf(() => parseSpec({ extensions: ['ok', null] })), /^extensions\[1\]: expected a string, got null/);
  t.regex(errorOf(() => parseSpec('x')), /must be a map of attributes, got string/);
});

// --- validate --------------------------------------------------------------

test('validateSpec: defaults pass; replicas must be at least 1', (t) => {
  t.notThrows(() => validates({}));
  for (const r of [0, -1, -100]) t.regex(errorOf(() => validates({ replicas: r })), new RegExp(`^replicas = ${r}: must be at least 1`));
  for (const r of [1, 7]) t.notThrows(() => validates({ replicas: r }));
});

test('validateSpec: port must be 1–65535', (t) => {
  for (const p of [0, -1, 65536, 100000]) t.regex(errorOf(() => validates({ port: p })), new RegExp(`^port = ${p}: must be between 1 and 65535`));
  for (const p of [1, 1024, 5432, 5433, 65535]) t.notThrows(() => validates({ port: p }));
});

test('validateSpec: identifiers (database, user, replication_user, extensions) are 1–63 chars, letter or _ first', (t) => {
  for (const bad of ['pg-vector', 'x; DROP TABLE t', '123vector', 'a b', 'é']) {
    t.regex(errorOf(() => validates({ extensions: [bad] })), /^extensions\[0\] .*not a plain PostgreSQL identifier; use 1–63 letters, digits and '_'/, bad);
  }
  t.regex(errorOf(() => validates({ extensions: ['pgvector', 'pg-vector'] })), /^extensions\[1\] "pg-vector"/);
  t.notThrows(() => validates({ extensions: ['pgvector', 'pg_stat_statements', 'postgis', 'uuid_ossp', '_internal'] }));
  t.regex(errorOf(() => validates({ user: 'bad-name' })), /^user "bad-name": is not a plain PostgreSQL identifier/);
  t.regex(errorOf(() => validates({ database: 'my db' })), /^database "my db"/);
  t.regex(errorOf(() => validates({ replication_user: 'repl;' })), /^replication_user "repl;"/);
  t.notThrows(() => validates({ user: 'a'.repeat(63), database: `_${'b'.repeat(62)}` }));
  t.regex(errorOf(() => validates({ user: 'a'.repeat(64) })), /^user "a{64}": is 64 characters \(PostgreSQL keeps 63\)/);
  // "" is the default, not an empty identifier.
  t.notThrows(() => validates({ user: '' }));
});

test('validateSpec: replication_user must differ from user', (t) => {
  t.regex(errorOf(() => validates({ user: 'app', replication_user: 'app' })), /^replication_user "app": must differ from user/);
  t.regex(errorOf(() => validates({ replication_user: 'postgres' })), /must differ from user/);
  t.notThrows(() => validates({ user: 'app', replication_user: 'postgres' }));
});

test('validateSpec: pg_config keys are setting names; values of any type, on one line', (t) => {
  for (const bad of ['max\nconnections', 'a=b', 'Max_Connections', 'max-connections', '1abc', '', 'max connections', 'a.b.c', '.a']) {
    t.regex(errorOf(() => validates({ pg_config: { [bad]: 1 } })), /^pg_config key .*: not a postgresql.conf setting name; use lowercase letters, digits and '_'/, JSON.stringify(bad));
  }
  for (const good of ['a', 'a1', 'max_connections', 'shared_buffers', 'pg_stat_statements.track']) t.notThrows(() => validates({ pg_config: { [good]: 1 } }), good);
  t.notThrows(() => validates({ pg_config: { a: 1, b: 1.5, c: true, d: 'x', e: ['l'], f: { m: 1 }, g: null } }));
  for (const v of ['a\nb', 'a\rb', 'a\0b', "x'\ninclude = '/etc/passwd"]) {
    t.regex(errorOf(() => validates({ pg_config: { work_mem: v } })), /^pg_config\.work_mem: the value contains a line break or NUL, which would add lines to postgresql.conf/);
  }
  t.regex(errorOf(() => validates({ pg_config: { port: 5433 } })), /^pg_config\.port: .*set the block's port = N instead/);
});

test('expand: an invalid block is refused with the resource prefix and emits nothing', (t) => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ user: 'bad-name' }, /^postgres prod\/db: user "bad-name"/],
    [{ user: 'app', replication_user: 'app' }, /^postgres prod\/db: replication_user "app": must differ/],
    [{ pg_config: { 'Work-Mem': 1 } }, /^postgres prod\/db: pg_config key "Work-Mem"/],
    [{ pg_config: { work_mem: '4MB\nfsync = off' } }, /^postgres prod\/db: pg_config\.work_mem: the value contains a line break/],
    [{ port: 0 }, /^postgres prod\/db: port = 0/],
    [{ port: 65536 }, /^postgres prod\/db: port = 65536/],
    [{ replicas: 0 }, /^postgres prod\/db: replicas = 0/],
    [{ replicas: 2.5 }, /^postgres prod\/db: replicas = 2\.5: expected a whole number/],
    [{ extensions: [3] }, /^postgres prod\/db: extensions\[0\]: expected a string/],
  ];
  for (const [spec, re] of cases) {
    let out: unknown;
    const msg = errorOf(() => (out = expandRequest(req({ spec }), { env: {} })));
    t.regex(msg, re);
    t.is(out, undefined);
  }
});

test('expand: a scale-down that would remove the primary, or expose several pods, is refused with the fix', (t) => {
  t.regex(errorOf(() => expandRequest(req({ spec: { replicas: 2 }, config: { ...APPLIED, PG_PRIMARY_ORDINAL: '2' } }))), /^postgres prod\/db: replicas = 2 would remove the primary \(PG_PRIMARY_ORDINAL = 2\).*voodu pg:promote prod\/db --replica 0/);
  t.notThrows(() => expandRequest(req({ spec: { replicas: 3 }, config: { ...APPLIED, PG_PRIMARY_ORDINAL: '2' } }), { env: {} }));
  t.regex(errorOf(() => expandRequest(req({ spec: { replicas: 2 }, config: { PG_EXPOSE_PUBLIC: 'true' } }))), /PG_EXPOSE_PUBLIC=true.*voodu pg:unexpose prod\/db/);
});

// --- strip ---------------------------------------------------------------------

test('stripPluginOwned removes the 9 plugin keys and keeps the rest', (t) => {
  t.deepEqual([...PLUGIN_OWNED].sort(), ['database', 'extensions', 'initdb_encoding', 'initdb_locale', 'password', 'pg_config', 'port', 'replication_user', 'user']);
  const raw: Record<string, unknown> = { image: 'postgres:16', env: { A: '1' }, replicas: 2, resources: { limits: { memory: '1g' } } };
  for (const k of PLUGIN_OWNED) raw[k] = 'x';
  t.deepEqual(stripPluginOwned(raw), { image: 'postgres:16', env: { A: '1' }, replicas: 2, resources: { limits: { memory: '1g' } } });
  t.deepEqual(stripPluginOwned(undefined), {});
});

test('expand: no plugin-owned key reaches the statefulset', (t) => {
  const spec = sts(req({ spec: { database: 'appdata', user: 'appuser', password: 'pw', port: 5433, initdb_locale: 'C', initdb_encoding: 'UTF8', pg_config: { a: 1 }, extensions: ['x'], replication_user: 'r' } }));
  for (const k of PLUGIN_OWNED) t.false(k in spec, k);
});

// --- statefulset defaults -----------------------------------------------------

test('statefulset defaults: image, replicas, ports, command, env, claims, probes', (t) => {
  const spec = sts(req({ config: { PG_PRIMARY_ORDINAL: '2' }, spec: { replicas: 3 } }));
  t.is(spec.image, 'postgres:17');
  t.is(spec.replicas, 3);
  t.deepEqual(spec.ports, ['5432']);
  t.deepEqual(spec.command, ['bash', '/usr/local/bin/voodu-postgres-entrypoint']);
  t.deepEqual(spec.env, {
    POSTGRES_USER: 'postgres',
    POSTGRES_DB: 'postgres',
    POSTGRES_INITDB_ARGS: '--locale=C.UTF-8 --encoding=UTF8',
    PGDATA: '/var/lib/postgresql/data/pgdata',
    PG_PORT: '5432',
    PGPORT: '5432',
    PG_NAME: 'db',
    PG_SCOPE_SUFFIX: '.prod.voodu',
    PG_REPLICATION_USER: 'replicator',
  });
  // PG_PRIMARY_ORDINAL reaches pods from the bucket; generated passwords too.
  t.false('PG_PRIMARY_ORDINAL' in spec.env);
  t.false('POSTGRES_PASSWORD' in spec.env);
  t.false('POSTGRES_REPLICATION_PASSWORD' in spec.env);
  t.false('PG_REPLICATION_PASSWORD' in spec.env);
  t.deepEqual(spec.volume_claims, [{ name: 'data', mount_path: '/var/lib/postgresql/data' }]);
  t.false(spec.volumes.some((v: string) => v.includes('/wal-archive')));
  t.false('health_check' in spec);
});

test('statefulset defaults: initdb args, user/db/port in env and the readiness probe', (t) => {
  const spec = sts(req({ spec: { user: 'appuser', database: 'appdata', port: 5433, initdb_locale: 'en_US.UTF-8', initdb_encoding: 'LATIN1' } }));
  t.is(spec.env.POSTGRES_INITDB_ARGS, '--locale=en_US.UTF-8 --encoding=LATIN1');
  t.is(spec.env.POSTGRES_USER, 'appuser');
  t.is(spec.env.POSTGRES_DB, 'appdata');
  t.is(spec.env.PG_PORT, '5433');
  t.is(spec.env.PGPORT, '5433');
  t.deepEqual(spec.ports, ['5433']);
  // The controller waits for this before it starts the next pod: TCP, so initdb's socket-only temporary server does not count.
  t.deepEqual(spec.probes, {
    readiness: { exec: { command: ['pg_isready', '-q', '-h', '127.0.0.1', '-p', '5433', '-U', 'appuser', '-d', 'appdata'] }, period: '3s', timeout: '5s', failure_threshold: 3, success_threshold: 1 },
  });
  t.false('liveness' in spec.probes);
});

test('statefulset defaults: the asset binds, with 4-segment refs (3 unscoped), and the backups directory', (t) => {
  t.is(assetRef('prod', 'db', 'entrypoint'), '${asset.prod.db.entrypoint}');
  t.is(assetRef('', 'db', 'entrypoint'), '${asset.db.entrypoint}');
  const spec = sts(req(), { VOODU_POSTGRES_BACKUP_ROOT: '/srv/pgb/' });
  t.deepEqual(spec.volumes, [
    '/srv/pgb/prod/db:/backups:rw',
    '${asset.prod.db.init_replication_sh}:/docker-entrypoint-initdb.d/00_create_replication.sh:ro',
    '${asset.prod.db.init_include_sh}:/docker-entrypoint-initdb.d/01_voodu_include_conf.sh:ro',
    '${asset.prod.db.streaming_conf}:/etc/postgresql/conf.d/voodu-50-streaming.conf:ro',
    '${asset.prod.db.pg_overrides_conf}:/etc/postgresql/conf.d/voodu-99-overrides.conf:ro',
    '${asset.prod.db.entrypoint}:/usr/local/bin/voodu-postgres-entrypoint:ro',
  ]);
  t.true(sts(req()).volumes.includes('/opt/voodu/backups/prod/db:/backups:rw'));
  const unscoped = sts(req({ scope: '' }));
  t.true(unscoped.volumes.includes('/opt/voodu/backups/_unscoped/db:/backups:rw'));
  t.true(unscoped.volumes.includes('${asset.db.entrypoint}:/usr/local/bin/voodu-postgres-entrypoint:ro'));
  t.is(unscoped.env.PG_SCOPE_SUFFIX, '.voodu');
  // Every asset file is mounted, and every mount names an asset file.
  const files = asset();
  t.deepEqual(Object.keys(files).sort(), Object.keys(ASSET_MOUNTS).sort());
});

test('statefulset defaults: PG_EXPOSE_PUBLIC=true publishes on every interface at the same port', (t) => {
  t.deepEqual(publishedPorts(5432, false), ['5432']);
  t.deepEqual(publishedPorts(5432, true), ['0.0.0.0:5432:5432']);
  t.deepEqual(sts(req({ config: { PG_EXPOSE_PUBLIC: 'true' } })).ports, ['0.0.0.0:5432:5432']);
  t.deepEqual(sts(req({ spec: { port: 5433 }, config: { PG_EXPOSE_PUBLIC: 'true' } })).ports, ['0.0.0.0:5433:5433']);
  t.deepEqual(sts(req({ config: { PG_EXPOSE_PUBLIC: 'yes' } })).ports, ['5432']);
});

test('the emitted manifests pass the controller validation (and health_check could not carry pg_isready)', (t) => {
  const { manifests } = expandRequest(req({ spec: { replicas: 2, env: { TZ: 'UTC' }, pg_config: { max_connections: 50 } } }), { env: {} });
  for (const m of manifests) t.notThrows(() => validateManifest(m, kinds), m.kind);
  const spec = validateManifest(manifests[1], kinds).spec as Record<string, any>;
  t.deepEqual(spec.probes.readiness.exec.command.slice(0, 1), ['pg_isready']);
  // What the reference emitted is not a health check our statefulset accepts.
  const withHealth = { ...manifests[1]!, spec: { ...manifests[1]!.spec, health_check: 'pg_isready -U postgres -d postgres -p 5432' } };
  t.throws(() => validateManifest(withHealth, kinds), { message: /health_check.*must be a path starting with '\/'/ });
  t.notThrows(() => validateManifest(expandRequest(req({ config: { PG_EXPOSE_PUBLIC: 'true' } }), { env: {} }).manifests[1], kinds));
});

// --- merge ---------------------------------------------------------------------

test('volumeDest: the second field; unparseable is itself', (t) => {
  t.is(volumeDest('/h:/etc/x:ro'), '/etc/x');
  t.is(volumeDest('src:dst'), 'dst');
  t.is(volumeDest('junk'), 'junk');
  t.is(volumeDest(''), '');
  t.is(volumeDest('a::ro'), 'a::ro');
});

test('mergeEnv: both sides coexist, the block wins', (t) => {
  t.deepEqual(mergeEnv({ A: '1', B: '2' }, { B: 'x', C: '3' }), { A: '1', B: 'x', C: '3' });
  t.deepEqual(mergeEnv(undefined, { A: '1' }), { A: '1' });
});

test('mergeVolumes: additive, a redeclared destination replaces the default, sorted by destination', (t) => {
  const d = ['a:/one:ro', 'b:/two:ro'];
  t.deepEqual(mergeVolumes(d, []), ['a:/one:ro', 'b:/two:ro']);
  t.deepEqual(mergeVolumes(d, ['c:/three']), ['a:/one:ro', 'c:/three', 'b:/two:ro']);
  t.deepEqual(mergeVolumes(d, ['mine:/two']), ['a:/one:ro', 'mine:/two']);
  t.deepEqual(mergeVolumes(d, ['x:/z', 'y:/z']), ['a:/one:ro', 'b:/two:ro', 'y:/z']);
  // Sorted as strings: an entry without a destination sorts by itself.
  t.deepEqual(mergeVolumes(d, ['junk']), ['a:/one:ro', 'b:/two:ro', 'junk']);
});

test('merge through expand: env and volumes merge, image and other keys are the block\'s', (t) => {
  const spec = sts(req({
    spec: {
      image: 'postgres:16',
      env: { TZ: 'UTC', POSTGRES_DB: 'override' },
      volumes: ['/srv/my-backups:/backups:rw', '/srv/extra.conf:/etc/postgresql/conf.d/voodu-70-mine.conf:ro'],
      resources: { limits: { memory: '1g' } },
      probes: { readiness: { tcp_socket: { port: 5432 } } },
    },
  }));
  t.is(spec.image, 'postgres:16');
  t.is(spec.env.TZ, 'UTC');
  t.is(spec.env.POSTGRES_DB, 'override');
  t.is(spec.env.PG_NAME, 'db');
  t.is(spec.volumes[0], '/srv/my-backups:/backups:rw');
  t.is(spec.volumes.filter((v: string) => v.endsWith(':/backups:rw')).length, 1);
  const dests = spec.volumes.map(volumeDest);
  t.deepEqual(dests, [...dests].sort());
  t.true(spec.volumes.includes('/srv/extra.conf:/etc/postgresql/conf.d/voodu-70-mine.conf:ro'));
  t.deepEqual(spec.resources, { limits: { memory: '1g' } });
  t.deepEqual(spec.probes, { readiness: { tcp_socket: { port: 5432 } } });
  // An empty image in the block is the default, not a build-mode statefulset.
  t.is(sts(req({ spec: { image: '' } })).image, 'postgres:17');
  // A wrong shape is passed on for the controller to name.
  t.is(mergeSpec({ env: { A: '1' } }, { env: 'nope' }).env, 'nope');
});

// --- passwords and actions --------------------------------------------------

test('generatePassword: 64 hex characters, never the same twice', (t) => {
  const a = generatePassword();
  const b = generatePassword();
  t.regex(a, HEX64);
  t.regex(b, HEX64);
  t.not(a, b);
});

test('resolvePasswords: the block wins, else the bucket, else generated; the replication password alike', (t) => {
  const hcl = resolvePasswords({ password: 'mine' }, { POSTGRES_PASSWORD: 'bucket' });
  t.is(hcl.password, 'mine');
  t.false(hcl.passwordIsNew);
  t.true(hcl.passwordFromHcl);
  const bucket = resolvePasswords({ password: '' }, APPLIED);
  t.deepEqual(bucket, { password: APPLIED.POSTGRES_PASSWORD, passwordIsNew: false, passwordFromHcl: false, replicationPassword: APPLIED.POSTGRES_REPLICATION_PASSWORD, replicationIsNew: false });
  for (const config of [{}, { POSTGRES_PASSWORD: '', POSTGRES_REPLICATION_PASSWORD: '' }, undefined]) {
    const fresh = resolvePasswords({ password: '' }, config as Record<string, string>);
    t.true(fresh.passwordIsNew);
    t.true(fresh.replicationIsNew);
    t.regex(fresh.password, HEX64);
    t.regex(fresh.replicationPassword, HEX64);
    t.not(fresh.password, fresh.replicationPassword);
  }
  // A password the block's env sets by hand is the operator's: nothing generated to override it from the bucket.
  const byEnv = resolvePasswords({ password: '' }, {}, { POSTGRES_PASSWORD: 'envpw', PG_REPLICATION_PASSWORD: 'envrepl' });
  t.deepEqual([byEnv.password, byEnv.passwordIsNew, byEnv.replicationPassword, byEnv.replicationIsNew], ['envpw', false, 'envrepl', false]);
});

test('first apply: both passwords, PG_PRIMARY_ORDINAL (no restart) and BACKUP_KEEP go to the bucket, not the spec', (t) => {
  const { manifests, actions } = expandRequest(req(), { env: {} });
  t.is(actions.length, 4);
  t.deepEqual(actions.map((a) => Object.keys(a.kv)), [['POSTGRES_PASSWORD'], ['POSTGRES_REPLICATION_PASSWORD'], ['PG_PRIMARY_ORDINAL'], ['BACKUP_KEEP']]);
  for (const a of actions) {
    t.is(a.type, 'config_set');
    t.is(a.scope, 'prod');
    t.is(a.name, 'db');
    t.false('manifest' in a);
    t.false('kind' in a);
  }
  t.regex(actions[0]!.kv.POSTGRES_PASSWORD, HEX64);
  t.regex(actions[1]!.kv.POSTGRES_REPLICATION_PASSWORD, HEX64);
  t.deepEqual(actions[2], { type: 'config_set', scope: 'prod', name: 'db', kv: { PG_PRIMARY_ORDINAL: '0' }, skip_restart: true });
  t.deepEqual(actions[3], { type: 'config_set', scope: 'prod', name: 'db', kv: { BACKUP_KEEP: '30' } });
  // Neither generated password appears anywhere in the manifests.
  const text = JSON.stringify(manifests);
  t.false(text.includes(actions[0]!.kv.POSTGRES_PASSWORD));
  t.false(text.includes(actions[1]!.kv.POSTGRES_REPLICATION_PASSWORD));
});

test('later applies reuse the bucket: no actions, the same bytes', (t) => {
  const a = expandRequest(req({ config: APPLIED }), { env: {} });
  const b = expandRequest(req({ config: APPLIED }), { env: {} });
  t.deepEqual(a.actions, []);
  t.deepEqual(a, b);
  // Only what is missing is written.
  const { actions } = expandRequest(req({ config: { POSTGRES_PASSWORD: 'x', POSTGRES_REPLICATION_PASSWORD: 'y' } }), { env: {} });
  t.deepEqual(actions, [{ type: 'config_set', scope: 'prod', name: 'db', kv: { PG_PRIMARY_ORDINAL: '0' }, skip_restart: true }]);
  // BACKUP_KEEP only with a new superuser password, and only when the bucket has none.
  t.deepEqual(bucketActions({ scope: 's', name: 'n', config: { PG_PRIMARY_ORDINAL: '1', BACKUP_KEEP: '7' } }, { password: 'p', passwordIsNew: true, passwordFromHcl: false, replicationPassword: 'r', replicationIsNew: false }).map((x) => Object.keys(x.kv)[0]), ['POSTGRES_PASSWORD']);
});

test('an HCL password is baked into the spec env and never persisted', (t) => {
  const { manifests, actions } = expandRequest(req({ spec: { password: "it's mine" } }), { env: {} });
  t.is(manifests[1]!.spec.env.POSTGRES_PASSWORD, "it's mine");
  t.false(actions.some((a) => 'POSTGRES_PASSWORD' in a.kv));
  t.false(actions.some((a) => 'BACKUP_KEEP' in a.kv));
  // The replication password is still generated into the bucket.
  t.true(actions.some((a) => 'POSTGRES_REPLICATION_PASSWORD' in a.kv));
});

// --- names ------------------------------------------------------------------------

test('FQDN and suffix helpers', (t) => {
  t.is(dnsSuffix('prod'), '.prod.voodu');
  t.is(dnsSuffix(''), '.voodu');
  t.is(podHost('prod', 'db', 0), 'db-0.prod.voodu');
  t.is(podHost('', 'db', 2), 'db-2.voodu');
  t.is(podHost('Prod', 'DB', 1), 'db-1.prod.voodu');
});

// --- conf files ---------------------------------------------------------------------

test('streaming conf: replication directives, wal_log_hints and listen_addresses, no primary_conninfo, one for all pods', (t) => {
  const conf = renderStreamingConf();
  for (const line of ['hot_standby = on', 'max_wal_senders = 10', "wal_keep_size = '1GB'", 'wal_log_hints = on', "listen_addresses = '*'"]) t.true(conf.split('\n').includes(line), line);
  t.false(conf.includes('primary_conninfo = '));
  t.is(renderStreamingConf(), conf);
  t.is(asset(req({ config: { ...APPLIED, PG_PRIMARY_ORDINAL: '1' }, spec: { replicas: 2 } })).streaming_conf, conf);
  t.is(asset(req({ config: { ...APPLIED, POSTGRES_REPLICATION_PASSWORD: 'other' } })).streaming_conf, conf);
});

test('pg_config render: the header alone when empty, then key = value sorted, typed', (t) => {
  const empty = renderPgConfig(undefined);
  t.is(empty, renderPgConfig({}));
  t.is(empty, renderPgConfig(null));
  t.is(empty.split('\n').filter(Boolean).length, 3);
  t.true(empty.split('\n').filter(Boolean).every((l) => l.startsWith('#')));
  const conf = renderPgConfig({ work_mem: '4MB', max_connections: 200, checkpoint_completion_target: 1.5, random_page_cost: 4.0, fsync: false, jit: true, shared_buffers: '256MB', application_name: "a's value", gone: null });
  const body = conf.split('\n').filter((l) => l && !l.startsWith('#'));
  t.deepEqual(body, [
    "application_name = 'a''s value'",
    'checkpoint_completion_target = 1.5',
    'fsync = off',
    'jit = on',
    'max_connections = 200',
    'random_page_cost = 4',
    "shared_buffers = '256MB'",
    "work_mem = '4MB'",
  ]);
  t.is(renderPgConfig({ b: 1, a: 2 }), renderPgConfig({ a: 2, b: 1 }));
  t.is(quotePgString(''), "''");
  t.is(quotePgString('C:\\dir\\'), "'C:\\\\dir\\\\'");
  t.is(formatPgValue(['x', 'y']), `'["x","y"]'`);
  t.is(formatPgValue({ a: 1 }), `'{"a":1}'`);
  t.true(asset(req({ spec: { pg_config: { max_connections: 77 } } })).pg_overrides_conf!.includes('\nmax_connections = 77\n'));
});

// --- scripts, read --------------------------------------------------------------------

test('init replication script: env reads pinned, ON_ERROR_STOP, escaping, host replication, deterministic', (t) => {
  const s = renderInitReplication();
  t.true(s.startsWith('#!/usr/bin/env bash\n'));
  t.true(s.includes('REPL_USER="${PG_REPLICATION_USER:-replicator}"'));
  t.true(s.includes('REPL_PASS="${PG_REPLICATION_PASSWORD:-${POSTGRES_REPLICATION_PASSWORD:-}}"'));
  t.true(s.includes('psql -v ON_ERROR_STOP=1'));
  t.true(s.includes('--username "${POSTGRES_USER:-postgres}" --dbname postgres'));
  t.true(s.includes(`pass_sql=\${REPL_PASS//"$SQ"/"$SQ$SQ"}`));
  t.true(s.includes('WITH LOGIN REPLICATION PASSWORD'));
  t.true(s.includes('host replication'));
  t.true(s.includes('scram-sha-256'));
  // The password goes on psql's stdin (a heredoc), never into its argv.
  t.false(/psql[^\n]*REPL_PASS/.test(s));
  t.is(renderInitReplication(), s);
});

test('entrypoint: bash strict mode, defaults, roles, base backup, split-brain guard, exec', (t) => {
  const ep = renderEntrypoint('prod', 'db');
  t.true(ep.startsWith('#!/usr/bin/env bash\n'));
  t.true(ep.includes('\nset -euo pipefail\n'));
  for (const line of [
    'PGDATA="${PGDATA:-/var/lib/postgresql/data/pgdata}"',
    'PG_PORT="${PG_PORT:-5432}"',
    'ORDINAL="${VOODU_REPLICA_ORDINAL:-0}"',
    'PRIMARY_ORDINAL="${PG_PRIMARY_ORDINAL:-0}"',
    'REPL_PASS="${PG_REPLICATION_PASSWORD:-${POSTGRES_REPLICATION_PASSWORD:-}}"',
  ]) t.true(ep.includes(`\n${line}\n`), line);
  t.true(ep.includes('if [ "$ORDINAL" != "$PRIMARY_ORDINAL" ]; then'));
  t.true(ep.includes('PRIMARY_HOST="${PG_NAME:?'));
  t.true(ep.includes('${PG_SCOPE_SUFFIX:-.voodu}'));
  t.true(ep.includes(': "${PG_REPLICATION_USER:?'));
  t.true(ep.includes('.voodu-bootstrap-incomplete'));
  t.true(ep.includes('(shopt -s dotglob nullglob; rm -rf -- "$PGDATA"/*)'));
  t.false(ep.includes('-mindepth'), 'busybox find (the test image) has no -mindepth');
  t.true(ep.includes('pg_isready -q -h "$PRIMARY_HOST" -p "$PG_PORT" -t 5'));
  t.true(ep.includes('-ge 60'));
  t.true(ep.includes('sleep 5'));
  t.true(ep.includes('-X stream'));
  t.true(ep.includes('-D "$PGDATA"'));
  t.true(ep.includes('touch "$PGDATA/standby.signal"'));
  t.true(ep.includes('elif [ ! -e "$PGDATA/standby.signal" ]; then'));
  t.true(ep.includes('voodu pg:rejoin prod/db --replica $ORDINAL'));
  t.true(ep.includes('docker rm -f prod-db.$ORDINAL'));
  t.true(ep.includes('docker volume rm voodu-prod-db-data-$ORDINAL'));
  t.true(ep.includes('voodu delete --prune'));
  t.true(ep.includes('port=$PG_PORT'));
  t.false(ep.includes('port=5432'));
  t.true(ep.includes(`grep -Fqx "${INCLUDE_DIR_LINE}"`));
  t.true(ep.includes(`grep -Fqx "${INCLUDE_RUNTIME_LINE}"`));
  t.true(ep.includes('rm -rf "$PGDATA/conf.d"'));
  t.false(ep.includes('ln -sf'));
  t.false(ep.includes('mkdir -p "$PGDATA/conf.d"'));
  t.true(ep.includes('chown postgres:postgres /backups'));
  t.true(ep.trimEnd().endsWith('exec docker-entrypoint.sh postgres -p "$PG_PORT"'));
  // The password reaches pg_basebackup through PGPASSWORD, not its argv.
  t.true(ep.includes('PGPASSWORD="$REPL_PASS" pg_basebackup'));
  t.is(renderEntrypoint('prod', 'db'), ep);
  t.true(renderEntrypoint('', 'db').includes('voodu pg:rejoin db --replica'));
});

test('every generated script parses under bash -n', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'voodu-pg-bashn-'));
  try {
    const files = asset(req({ spec: { replicas: 2 } }));
    for (const key of ['entrypoint', 'init_replication_sh', 'init_include_sh']) {
      const path = join(dir, key);
      await writeFile(path, files[key]!);
      await t.notThrowsAsync(run('bash', ['-n', path]), key);
    }
    const unscoped = join(dir, 'unscoped');
    await writeFile(unscoped, renderEntrypoint('', 'db'));
    await t.notThrowsAsync(run('bash', ['-n', unscoped]));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

// --- scripts, run -------------------------------------------------------------------

interface Sandbox {
  dir: string;
  pgdata: string;
  bin: string;
  /** Runs a script under bash with the stubs first on PATH; never throws. */
  run(script: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }>;
  read(rel: string): Promise<string>;
}

/** A temp PGDATA and stub pg_isready, pg_basebackup, psql and docker-entrypoint.sh that record what they were given. */
async function sandbox(t: { teardown(fn: () => Promise<void>): void }): Promise<Sandbox> {
  const dir = await mkdtemp(join(tmpdir(), 'voodu-pg-run-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const bin = join(dir, 'bin');
  const pgdata = join(dir, 'data', 'pgdata');
  await mkdir(bin, { recursive: true });
  await mkdir(join(dir, 'data'), { recursive: true });
  const stubs: Record<string, string> = {
    'pg_isready': `echo "$*" >>"${dir}/pg_isready.args"\nexit 0\n`,
    // A base backup: the data files, the primary's postgresql.conf (which already includes the plugin's files).
    'pg_basebackup': `echo "$*" >"${dir}/pg_basebackup.args"\nprintf '%s' "$PGPASSWORD" >"${dir}/pg_basebackup.pgpassword"\n` +
      `while [ $# -gt 0 ]; do if [ "$1" = -D ]; then d=$2; fi; shift; done\n` +
      `if [ -n "\${FAIL_BASEBACKUP:-}" ]; then mkdir -p "$d"; echo partial >"$d/partial"; exit 3; fi\n` +
      `mkdir -p "$d"; echo 15 >"$d/PG_VERSION"; printf "%s\\n%s\\n" "${INCLUDE_DIR_LINE}" "${INCLUDE_RUNTIME_LINE}" >"$d/postgresql.conf"; echo "# stub from primary" >"$d/voodu-runtime.conf"\n`,
    'psql': `echo "$*" >"${dir}/psql.args"\ncat >"${dir}/psql.stdin"\n`,
    'docker-entrypoint.sh': `echo "$*" >"${dir}/exec.args"\n`,
  };
  for (const [name, body] of Object.entries(stubs)) {
    await writeFile(join(bin, name), `#!/usr/bin/env bash\n${body}`);
    await chmod(join(bin, name), 0o755);
  }
  return {
    dir,
    pgdata,
    bin,
    run: (script, env) =>
      new Promise((resolve) => {
        const child = spawn('bash', ['-c', script], { env: { PATH: `${bin}:${process.env.PATH}`, HOME: dir, PGDATA: pgdata, ...env } });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (c) => (stdout += c));
        child.stderr.on('data', (c) => (stderr += c));
        child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
      }),
    read: (rel) => readFile(join(dir, rel), 'utf8'),
  };
}

const POD_ENV = { PG_PORT: '5433', PG_NAME: 'db', PG_SCOPE_SUFFIX: '.prod.voodu', PG_REPLICATION_USER: 'replicator', POSTGRES_USER: 'postgres' };

test('init include script: adds the include lines to a fresh postgresql.conf once, after a legacy include_dir is retired', async (t) => {
  const s = await sandbox(t);
  await mkdir(s.pgdata, { recursive: true });
  const conf = join(s.pgdata, 'postgresql.conf');
  await writeFile(conf, "# initdb's file\nmax_connections = 100\ninclude_dir = 'conf.d'\n");
  await chmod(conf, 0o640);
  const script = join(s.dir, 'include.sh');
  await writeFile(script, renderInitInclude());
  // docker-entrypoint.sh sources a non-executable init script; it must leave the caller's shell options alone.
  const sourced = await s.run(`set -Eeo pipefail; . "${script}"; . "${script}"; echo "after: $-"; [ -z "\${UNSET_VAR}" ] && echo nounset-off`, {});
  t.is(sourced.code, 0, sourced.stderr);
  t.true(sourced.stdout.includes('nounset-off'));
  const text = await readFile(conf, 'utf8');
  const lines = text.split('\n');
  t.is(lines.filter((l) => l === INCLUDE_DIR_LINE).length, 1);
  t.is(lines.filter((l) => l === INCLUDE_RUNTIME_LINE).length, 1);
  t.true(lines.indexOf(INCLUDE_DIR_LINE) < lines.indexOf(INCLUDE_RUNTIME_LINE));
  t.true(lines.some((l) => l.startsWith("# include_dir = 'conf.d'")));
  t.false(lines.includes("include_dir = 'conf.d'"));
  t.true(text.startsWith("# initdb's file\nmax_connections = 100\n"));
  // Rewritten in place: the file keeps its mode.
  t.is((await stat(conf)).mode & 0o777, 0o640);
  t.false(existsSync(`${conf}.voodu-tmp`));
});

test('init include script: the generated script is what makes pg_config live on the first start', (t) => {
  const s = renderInitInclude();
  t.true(s.includes(`voodu_include_conf "\${PGDATA:?PGDATA is not set}/postgresql.conf"`));
  t.true(s.includes(INCLUDE_DIR_LINE));
  t.true(s.includes(INCLUDE_RUNTIME_LINE));
  // It runs as an initdb script, i.e. before the first real start, and the overrides sit in the included directory.
  t.is(ASSET_MOUNTS.init_include_sh, '/docker-entrypoint-initdb.d/01_voodu_include_conf.sh');
  t.true(ASSET_MOUNTS.pg_overrides_conf.startsWith("/etc/postgresql/conf.d/"));
  t.true(INCLUDE_DIR_LINE.includes('/etc/postgresql/conf.d'));
  t.is(renderInitInclude(), s);
});

test('init replication script: creates the role with the password on stdin, escaped, and appends the hba line', async (t) => {
  const s = await sandbox(t);
  await mkdir(s.pgdata, { recursive: true });
  await writeFile(join(s.pgdata, 'pg_hba.conf'), 'local all all trust\n');
  const script = join(s.dir, 'init.sh');
  await writeFile(script, renderInitReplication());
  const pass = "it's $(not run) `x` \\n";
  const r = await s.run(`set -Eeo pipefail; . "${script}"; echo sourced-ok`, { PG_REPLICATION_USER: 'replicator', POSTGRES_REPLICATION_PASSWORD: pass, POSTGRES_USER: 'app' });
  t.is(r.code, 0, r.stderr);
  t.true(r.stdout.includes('sourced-ok'));
  const sql = await s.read('psql.stdin');
  t.true(sql.includes(`CREATE ROLE "replicator" WITH LOGIN REPLICATION PASSWORD 'it''s $(not run) \`x\` \\n';`), sql);
  t.true(sql.includes("SET password_encryption = 'scram-sha-256';"));
  const args = await s.read('psql.args');
  t.is(args.trim(), '-v ON_ERROR_STOP=1 -q --username app --dbname postgres');
  t.false(args.includes('not run'));
  t.true((await readFile(join(s.pgdata, 'pg_hba.conf'), 'utf8')).includes('\nhost replication "replicator" all scram-sha-256\n'));
  // PG_REPLICATION_PASSWORD (the block's env) wins over the bucket's name.
  await s.run(`. "${script}"`, { PG_REPLICATION_PASSWORD: 'fromspec', POSTGRES_REPLICATION_PASSWORD: 'frombucket' });
  t.true((await s.read('psql.stdin')).includes("PASSWORD 'fromspec'"));
  // No password: the initialisation fails, loudly.
  const none = await s.run(`set -Eeo pipefail; . "${script}"; echo not-reached`, {});
  t.not(none.code, 0);
  t.false(none.stdout.includes('not-reached'));
  t.regex(none.stderr, /no replication password: POSTGRES_REPLICATION_PASSWORD is missing/);
});

test('entrypoint run: a new primary goes straight to docker-entrypoint.sh with -p $PG_PORT', async (t) => {
  const s = await sandbox(t);
  const ep = join(s.dir, 'ep.sh');
  await writeFile(ep, renderEntrypoint('prod', 'db'));
  const r = await s.run(`exec bash "${ep}"`, { ...POD_ENV, VOODU_REPLICA_ORDINAL: '0', PG_PRIMARY_ORDINAL: '0' });
  t.is(r.code, 0, r.stderr);
  t.regex(r.stderr, /voodu-postgres: primary \(ordinal 0\): new cluster/);
  t.is((await s.read('exec.args')).trim(), 'postgres -p 5433');
  // initdb needs an empty directory: nothing was written into PGDATA.
  t.false(existsSync(join(s.pgdata, 'voodu-runtime.conf')));
});

test('entrypoint run: an existing primary gets the stub runtime conf and the include lines once', async (t) => {
  const s = await sandbox(t);
  await mkdir(join(s.pgdata, 'conf.d'), { recursive: true });
  await writeFile(join(s.pgdata, 'PG_VERSION'), '15\n');
  await writeFile(join(s.pgdata, 'postgresql.conf'), "include_dir = 'conf.d'\n");
  await writeFile(join(s.pgdata, 'voodu-runtime.conf'), "primary_conninfo = 'old'\n");
  const ep = join(s.dir, 'ep.sh');
  await writeFile(ep, renderEntrypoint('prod', 'db'));
  for (let i = 0; i < 2; i++) {
    const r = await s.run(`exec bash "${ep}"`, { ...POD_ENV, VOODU_REPLICA_ORDINAL: '1', PG_PRIMARY_ORDINAL: '1' });
    t.is(r.code, 0, r.stderr);
  }
  const runtime = await readFile(join(s.pgdata, 'voodu-runtime.conf'), 'utf8');
  t.false(runtime.includes('primary_conninfo'));
  t.true(runtime.split('\n').filter(Boolean).every((l) => l.startsWith('#')));
  const conf = (await readFile(join(s.pgdata, 'postgresql.conf'), 'utf8')).split('\n');
  t.is(conf.filter((l) => l === INCLUDE_DIR_LINE).length, 1);
  t.is(conf.filter((l) => l === INCLUDE_RUNTIME_LINE).length, 1);
  t.false(conf.includes("include_dir = 'conf.d'"));
  t.false(existsSync(join(s.pgdata, 'conf.d')));
  t.is((await s.read('exec.args')).trim(), 'postgres -p 5433');
});

test('entrypoint run: a new standby waits for the primary, base-backs up with PGPASSWORD, and streams on $PG_PORT', async (t) => {
  const s = await sandbox(t);
  const ep = join(s.dir, 'ep.sh');
  await writeFile(ep, renderEntrypoint('prod', 'db'));
  const pass = "p'w\\d";
  const r = await s.run(`exec bash "${ep}"`, { ...POD_ENV, VOODU_REPLICA_ORDINAL: '1', PG_PRIMARY_ORDINAL: '0', POSTGRES_REPLICATION_PASSWORD: pass });
  t.is(r.code, 0, r.stderr);
  t.is((await s.read('pg_isready.args')).trim(), '-q -h db-0.prod.voodu -p 5433 -t 5');
  const args = (await s.read('pg_basebackup.args')).trim();
  t.is(args, `-h db-0.prod.voodu -p 5433 -U replicator -D ${s.pgdata} -X stream -c fast -P`);
  t.false(args.includes(pass));
  t.is(await s.read('pg_basebackup.pgpassword'), pass);
  t.true(existsSync(join(s.pgdata, 'standby.signal')));
  t.false(existsSync(join(s.dir, 'data', '.voodu-bootstrap-incomplete')));
  const runtime = await readFile(join(s.pgdata, 'voodu-runtime.conf'), 'utf8');
  // conninfo quoting (\ and ' backslash-escaped), then postgresql.conf quoting (\ and ' doubled).
  t.true(runtime.includes(`primary_conninfo = 'host=db-0.prod.voodu port=5433 user=''replicator'' password=''p\\\\''w\\\\\\\\d'' application_name=''db-1'''\n`), runtime);
  t.is((await stat(join(s.pgdata, 'voodu-runtime.conf'))).mode & 0o777, 0o600);
  t.is((await stat(s.pgdata)).mode & 0o777, 0o700);
  t.is((await s.read('exec.args')).trim(), 'postgres -p 5433');
  // The block's PG_REPLICATION_PASSWORD wins over the bucket's on the next boot, which resumes (no second base backup).
  await rm(join(s.dir, 'pg_basebackup.args'));
  const again = await s.run(`exec bash "${ep}"`, { ...POD_ENV, VOODU_REPLICA_ORDINAL: '1', PG_PRIMARY_ORDINAL: '0', PG_REPLICATION_PASSWORD: 'spec', POSTGRES_REPLICATION_PASSWORD: 'bucket' });
  t.is(again.code, 0, again.stderr);
  t.regex(again.stderr, /resuming, primary db-0\.prod\.voodu:5433/);
  t.false(existsSync(join(s.dir, 'pg_basebackup.args')));
  t.true((await readFile(join(s.pgdata, 'voodu-runtime.conf'), 'utf8')).includes("password=''spec''"));
});

test('entrypoint run: a standby follows PG_PRIMARY_ORDINAL', async (t) => {
  const s = await sandbox(t);
  const ep = join(s.dir, 'ep.sh');
  await writeFile(ep, renderEntrypoint('prod', 'db'));
  const r = await s.run(`exec bash "${ep}"`, { ...POD_ENV, VOODU_REPLICA_ORDINAL: '0', PG_PRIMARY_ORDINAL: '2', POSTGRES_REPLICATION_PASSWORD: 'x' });
  t.is(r.code, 0, r.stderr);
  t.true((await s.read('pg_basebackup.args')).startsWith('-h db-2.prod.voodu '));
  t.true((await readFile(join(s.pgdata, 'voodu-runtime.conf'), 'utf8')).includes('host=db-2.prod.voodu port=5433'));
});

test('entrypoint run: a failed base backup keeps the sentinel, and the next boot wipes and starts over', async (t) => {
  const s = await sandbox(t);
  const ep = join(s.dir, 'ep.sh');
  await writeFile(ep, renderEntrypoint('prod', 'db'));
  const env = { ...POD_ENV, VOODU_REPLICA_ORDINAL: '1', PG_PRIMARY_ORDINAL: '0', POSTGRES_REPLICATION_PASSWORD: 'x' };
  const failed = await s.run(`exec bash "${ep}"`, { ...env, FAIL_BASEBACKUP: '1' });
  t.is(failed.code, 1);
  t.regex(failed.stderr, /pg_basebackup from db-0\.prod\.voodu failed/);
  t.true(existsSync(join(s.dir, 'data', '.voodu-bootstrap-incomplete')));
  t.true(existsSync(join(s.pgdata, 'partial')));
  t.false(existsSync(join(s.dir, 'exec.args')));
  const retried = await s.run(`exec bash "${ep}"`, env);
  t.is(retried.code, 0, retried.stderr);
  t.regex(retried.stderr, /did not finish; clearing/);
  t.false(existsSync(join(s.pgdata, 'partial')));
  t.true(existsSync(join(s.pgdata, 'standby.signal')));
  t.false(existsSync(join(s.dir, 'data', '.voodu-bootstrap-incomplete')));
});

test('entrypoint run: data without standby.signal on a standby refuses to start and says how to rejoin', async (t) => {
  const s = await sandbox(t);
  await mkdir(s.pgdata, { recursive: true });
  await writeFile(join(s.pgdata, 'PG_VERSION'), '15\n');
  const ep = join(s.dir, 'ep.sh');
  await writeFile(ep, renderEntrypoint('prod', 'db'));
  const r = await s.run(`exec bash "${ep}"`, { ...POD_ENV, VOODU_REPLICA_ORDINAL: '0', PG_PRIMARY_ORDINAL: '1', POSTGRES_REPLICATION_PASSWORD: 'x' });
  t.is(r.code, 1);
  t.regex(r.stderr, /split brain/);
  t.regex(r.stderr, /voodu pg:rejoin prod\/db --replica 0/);
  t.regex(r.stderr, /docker rm -f prod-db\.0 && docker volume rm voodu-prod-db-data-0 && voodu apply/);
  t.false(existsSync(join(s.dir, 'exec.args')));
  t.false(existsSync(join(s.dir, 'pg_basebackup.args')));
});

test('entrypoint run: a standby with no replication password, or a primary on a half-copied directory, stops', async (t) => {
  const s = await sandbox(t);
  const ep = join(s.dir, 'ep.sh');
  await writeFile(ep, renderEntrypoint('prod', 'db'));
  const r = await s.run(`exec bash "${ep}"`, { ...POD_ENV, VOODU_REPLICA_ORDINAL: '1', PG_PRIMARY_ORDINAL: '0' });
  t.is(r.code, 1);
  t.regex(r.stderr, /no replication password: POSTGRES_REPLICATION_PASSWORD is missing from the config bucket of prod\/db/);
  await writeFile(join(s.dir, 'data', '.voodu-bootstrap-incomplete'), '');
  const p = await s.run(`exec bash "${ep}"`, { ...POD_ENV, VOODU_REPLICA_ORDINAL: '1', PG_PRIMARY_ORDINAL: '1' });
  t.is(p.code, 1);
  t.regex(p.stderr, /unfinished base backup/);
  t.false(existsSync(join(s.dir, 'exec.args')));
});

// --- request and envelope ---------------------------------------------------------------

test('parseRequest: the stdin shape, with its errors', (t) => {
  t.deepEqual(parseRequest('{"kind":"pg","scope":"s","name":"n","spec":{"a":1},"config":{"K":"v","N":1}}'), { kind: 'pg', scope: 's', name: 'n', spec: { a: 1 }, config: { K: 'v' } });
  t.deepEqual(parseRequest('{"name":"n"}'), { kind: 'postgres', scope: '', name: 'n', spec: {}, config: {} });
  t.throws(() => parseRequest('nope'), { message: /^decode expand request: .*\{kind, scope, name, spec, config\}/ });
  t.throws(() => parseRequest('[]'), { message: /expected a JSON object/ });
  t.throws(() => parseRequest('{"scope":"s"}'), { message: /missing required field 'name'/ });
  t.throws(() => parseRequest('{"scope":"s","name":"n","spec":[1]}'), { message: /^postgres s\/n: the block must be a map/ });
});

test('expand: [asset, statefulset] named like the resource', async (t) => {
  const data = await expand(JSON.stringify(req({ spec: { replicas: 2 } })), { env: {} });
  t.deepEqual(data.manifests.map((m) => [m.kind, m.scope, m.name]), [['asset', 'prod', 'db'], ['statefulset', 'prod', 'db']]);
  t.deepEqual(Object.keys(data.manifests[0]!.spec.files).sort(), ['entrypoint', 'init_include_sh', 'init_replication_sh', 'pg_overrides_conf', 'streaming_conf']);
  t.deepEqual(defaults().spec, { image: 'postgres:17', replicas: 1, database: 'postgres', user: 'postgres', port: 5432, initdb_locale: 'C.UTF-8', initdb_encoding: 'UTF8', pg_config: {}, extensions: [], replication_user: 'replicator' });
});

test('bin/voodu-postgres expand: the ok envelope; an error is the stderr envelope, exit 1, nothing on stdout', async (t) => {
  const runBin = (args: string[], input: string) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, VOODU_POSTGRES_BACKUP_ROOT: '/tmp/pgb' } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c) => (stdout += c));
      child.stderr.on('data', (c) => (stderr += c));
      child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
      child.stdin.end(input);
    });
  const ok = await runBin(['expand'], JSON.stringify(req()));
  t.is(ok.code, 0, ok.stderr);
  const env = JSON.parse(ok.stdout);
  t.is(env.status, 'ok');
  t.is(env.data.manifests.length, 2);
  t.is(env.data.actions.length, 4);
  t.true(env.data.manifests[1].spec.volumes.includes('/tmp/pgb/prod/db:/backups:rw'));
  const bad = await runBin(['expand'], JSON.stringify(req({ spec: { user: 'app', replication_user: 'app' } })));
  t.is(bad.code, 1);
  t.is(bad.stdout, '');
  const err = JSON.parse(bad.stderr.trim());
  t.is(err.status, 'error');
  t.regex(err.error, /^postgres prod\/db: replication_user "app": must differ from user/);
  const d = await runBin(['defaults'], '');
  t.is(JSON.parse(d.stdout).data.spec.port, 5432);
});

test('main: expand through the dispatcher reads stdin once', async (t) => {
  let out = '';
  let err = '';
  let code = 0;
  await main(['expand'], {}, { stdin: async () => JSON.stringify(req({ config: APPLIED })), out: (s) => (out += s), err: (s) => (err += s), exit: (c) => (code = c) });
  t.is(code, 0, err);
  t.deepEqual(JSON.parse(out).data.actions, []);
});
