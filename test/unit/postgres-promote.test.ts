/**
 * pg:promote (and pg:failover) and pg:rejoin as shipped, against a fake
 * controller (an HTTP server at a capability URL) and fake pods: the
 * commands' docker and SQL calls go through an injected `deps`, answered
 * by a small model of a streaming cluster (who is primary, WAL positions,
 * pg_stat_replication, the control file after a shutdown, what the
 * controller recreates). What is checked: the refusals (each names the
 * flag or pod and the fix), the order of the steps (PG_PRIMARY_ORDINAL
 * stored before the fence, the promote only after the target replayed the
 * fenced primary's final checkpoint, a roll-back when it does not), the
 * actions, the progress lines, and that the replication password reaches
 * pg_rewind only through the docker process's environment. The real thing
 * runs in test/e2e/postgres-replication.test.ts.
 */
import test from 'ava';
import { startFakeController, type FakeController } from '../helpers/fake-controller.js';
import { main } from '../../plugins/postgres/lib/main.js';
import { createClient } from '../../plugins/postgres/lib/sdk/controller.js';
import { lagCheck, lsnText, run as promoteRun } from '../../plugins/postgres/lib/commands/promote.js';
import { run as rejoinRun } from '../../plugins/postgres/lib/commands/rejoin.js';
import { REWIND_FUNCTIONS, rewindArgv, rewindGrantsSql } from '../../plugins/postgres/lib/rejoin-core.js';
import { dataMount, parseControlData, parseLsn, parseReplicationRows, type Deps } from '../../plugins/postgres/lib/replication.js';
import { describeCluster } from '../../plugins/postgres/lib/resource.js';

// ---------------------------------------------------------------- a fake controller

let fake: FakeController;
/** Called on DELETE /resource?…&ordinal=N (the pod model recreates the pod). */
let onRecreate: ((ordinal: number, prune: boolean) => void) | undefined;
/** Controller requests and docker calls, in the order they happened. */
let timeline: string[] = [];

test.before(async () => {
  fake = await startFakeController();
});

test.after.always(async () => {
  await fake?.close();
});

const PW = 'sup3r/s3cret@pw';
const RPW = 'r3pl1c4t10n-s3cr3t';
const spec = (replicas: number) => ({
  image: 'postgres:15',
  replicas,
  env: { POSTGRES_USER: 'app', POSTGRES_DB: 'appdb', PG_PORT: '5433', PGDATA: '/var/lib/postgresql/data/pgdata', PG_REPLICATION_USER: 'replicator', PG_NAME: 'db' },
  volume_claims: [{ name: 'data', mount_path: '/var/lib/postgresql/data' }],
});

function setup(replicas = 3, bucket: Record<string, string> = {}, env: Record<string, string> = {}) {
  timeline = [];
  onRecreate = undefined;
  fake.reset();
  fake.specs = { 'prod/db': { ...spec(replicas), env: { ...spec(replicas).env, ...env } } };
  fake.buckets = {
    'prod/db': { POSTGRES_PASSWORD: PW, POSTGRES_REPLICATION_PASSWORD: RPW, PG_PRIMARY_ORDINAL: '0', POSTGRES_LINKED_CONSUMERS: 'prod/web', ...bucket },
    'prod/web': { DATABASE_URL: 'postgres://old' },
  };
  fake.on('*', (r) => void timeline.push(`controller: ${r.line}`));
  fake.on('POST /config', (r) => (r.key === 'prod/broken' ? { status: 400, error: 'prod/broken: refused' } : undefined));
  fake.on('DELETE /resource', (r) => {
    if (r.query.get('ordinal') !== null) onRecreate?.(Number(r.query.get('ordinal')), r.query.get('prune') === 'true');
  });
}

// ---------------------------------------------------------------- a model of the pods

interface Pod {
  exists: boolean;
  running: boolean;
  /** In recovery (a standby). */
  standby: boolean;
  /** Primary: its WAL position; standby: what it replayed. */
  lsn: bigint;
  upstream?: number;
  standbySignal: boolean;
  control: string;
  checkpoint?: bigint;
  ip: string;
  /** PG_PRIMARY_ORDINAL in the container's env (fixed when the container is created). */
  envPrimary: number;
  /** Its data was discarded (or its volume pruned): the next boot takes a base backup. */
  sentinel: boolean;
}

interface World {
  pods: Pod[];
  calls: { argv: string[]; env?: Record<string, string> }[];
  sqls: { ordinal: number; sql: string }[];
  progress: string[];
  clock: number;
  /** pg_rewind's answer. */
  rewind: { code: number; stdout: string; stderr: string };
  /** How many bytes a standby stays behind its upstream after each step (0: it keeps up). */
  behind: Record<number, bigint>;
  /** Bytes a standby catches up per sleep. */
  catchUp: bigint;
  /** The target receives the old primary's shutdown checkpoint (false: it was cut off). */
  getsFinal: boolean;
  /** The controller recreates a pod that stops (with the bucket's env), as its repair does. */
  repair: boolean;
  /** `docker start` fails. */
  restartFails: boolean;
  deps: Deps;
}

const container = (o: number) => `prod-db.${o}`;
const ordinalOf = (c: string) => Number(/^prod-db\.(\d+)$/.exec(c)?.[1] ?? -1);
const START = 0x3000000n;

function world(replicas = 3, primary = 0): World {
  const pods: Pod[] = Array.from({ length: replicas }, (_, i) => ({
    exists: true,
    running: true,
    standby: i !== primary,
    lsn: START,
    ...(i !== primary ? { upstream: primary } : {}),
    standbySignal: i !== primary,
    control: i === primary ? 'in production' : 'in archive recovery',
    ip: `10.9.0.${10 + i}`,
    envPrimary: primary,
    sentinel: false,
  }));
  const w: World = {
    pods,
    calls: [],
    sqls: [],
    progress: [],
    clock: 1_000_000,
    rewind: { code: 0, stdout: '', stderr: 'pg_rewind: source and target cluster are on the same timeline\npg_rewind: no rewind required\n' },
    behind: {},
    catchUp: 0n,
    getsFinal: true,
    repair: true,
    restartFails: false,
    deps: undefined as unknown as Deps,
  };
  const primaryOf = () => pods.findIndex((p) => p.running && !p.standby);
  const tick = () => {
    // A writing client moves the primary on; standbys replay up to `behind` bytes short.
    const p = primaryOf();
    if (p >= 0) pods[p]!.lsn += 0x100n;
    for (const [i, pod] of pods.entries()) {
      if (!pod.running || !pod.standby || pod.upstream === undefined) continue;
      const up = pods[pod.upstream]!;
      if (!up.running) continue;
      const lag = w.behind[i] ?? 0n;
      pod.lsn = up.lsn - lag > pod.lsn ? up.lsn - lag : pod.lsn;
      if (w.behind[i]) w.behind[i] = w.behind[i]! > w.catchUp ? w.behind[i]! - w.catchUp : 0n;
    }
  };
  const bucketPrimary = () => Number(fake.buckets['prod/db']!.PG_PRIMARY_ORDINAL);
  /** The entrypoint, at a boot of pod `o` with the env its container has. */
  const boot = (o: number) => {
    const pod = pods[o]!;
    pod.exists = true;
    if (o === pod.envPrimary) {
      pod.running = true;
      pod.standby = pod.standbySignal;
      pod.control = 'in production';
      delete pod.upstream;
      return;
    }
    if (pod.sentinel) {
      // Wiped, then a base backup of the primary.
      pod.sentinel = false;
      pod.standbySignal = true;
      pod.lsn = pods[pod.envPrimary]!.lsn;
    }
    // The split-brain guard: a standby without standby.signal exits before PostgreSQL starts.
    pod.running = pod.standbySignal;
    if (pod.running) {
      pod.standby = true;
      pod.upstream = pod.envPrimary;
      pod.control = 'in archive recovery';
    }
  };
  /** The controller makes a new container with today's env. */
  const create = (o: number) => {
    pods[o]!.envPrimary = bucketPrimary();
    boot(o);
  };
  onRecreate = (o, prune) => {
    if (prune) pods[o]!.sentinel = true;
    create(o);
  };
  const stopped = (o: number) => {
    if (w.repair) create(o);
  };
  w.deps = {
    async docker(argv, opts) {
      w.calls.push({ argv, ...(opts?.env ? { env: opts.env } : {}) });
      timeline.push(`docker ${argv.join(' ')}`);
      const ok = (stdout = '') => ({ code: 0, stdout, stderr: '' });
      const [verb] = argv;
      if (verb === 'inspect') {
        const c = argv[argv.length - 1]!;
        const pod = pods[ordinalOf(c)];
        if (!pod?.exists) return { code: 1, stdout: '', stderr: `Error: No such container: ${c}` };
        if (argv.some((a) => a.includes('NetworkSettings'))) return ok(`${pod.ip} `);
        if (argv.some((a) => a.includes('.Config.Env'))) return ok(`PATH=/usr/bin\nPOSTGRES_PASSWORD=${PW}\nPG_PRIMARY_ORDINAL=${pod.envPrimary}\n`);
        return ok(`${pod.running ? 'running' : 'exited'}|${pod.running}`);
      }
      if (verb === 'volume') return ok('v');
      if (verb === 'update') return ok(argv[argv.length - 1]);
      if (verb === 'exec' && argv.includes('pg_ctl')) {
        const o = ordinalOf(argv[3]!);
        const pod = pods[o]!;
        pod.running = false;
        pod.control = 'shut down';
        pod.lsn += 0x100n; // the last writes acknowledged before the fence
        pod.checkpoint = pod.lsn;
        pod.lsn += 0x28n;
        for (const s of pods) if (s.upstream === o && s.running && w.getsFinal && !(w.behind[pods.indexOf(s)] ?? 0n)) s.lsn = pod.lsn;
        stopped(o);
        return { code: 137, stdout: '', stderr: '' };
      }
      if (verb === 'stop') {
        const o = ordinalOf(argv[argv.length - 1]!);
        const pod = pods[o]!;
        if (pod.running) {
          pod.running = false;
          pod.control = pod.standby ? 'shut down in recovery' : 'shut down';
          pod.checkpoint = pod.lsn;
          stopped(o);
        }
        return ok(argv[argv.length - 1]);
      }
      if (verb === 'start') {
        if (w.restartFails) return { code: 1, stdout: '', stderr: 'Error response from daemon: cannot start' };
        boot(ordinalOf(argv[argv.length - 1]!));
        return ok(argv[argv.length - 1]);
      }
      if (verb === 'run') {
        const entry = argv[argv.indexOf('--entrypoint') + 1]!;
        const vol = argv.includes('-v') ? argv[argv.indexOf('-v') + 1]! : `voodu-prod-db-data-${ordinalOf(argv[argv.indexOf('--volumes-from') + 1]!)}:`;
        const o = Number(/-data-(\d+):/.exec(vol)?.[1]);
        const pod = pods[o]!;
        const rest = argv.slice(argv.indexOf('--entrypoint') + 3);
        if (entry === 'pg_controldata') return ok(`Database cluster state:               ${pod.control}\nLatest checkpoint location:           ${pod.checkpoint === undefined ? '0/0' : lsnText(pod.checkpoint)}\nLatest checkpoint's TimeLineID:       1\n`);
        if (entry === 'rm') {
          pod.standbySignal = false;
          return ok();
        }
        if (entry === 'touch' && rest[0]?.endsWith('/standby.signal')) {
          pod.standbySignal = true;
          return ok();
        }
        if (entry === 'sh' && rest[1] === 'mv "$1" "$2" && rm -rf "$2"' && rest[3] === '/var/lib/postgresql/data/pgdata') {
          pod.sentinel = true; // no data: the next boot takes a base backup
          return ok();
        }
        if (entry === 'pg_rewind') return w.rewind;
        return { code: 1, stdout: '', stderr: `unexpected ${entry} ${rest.join(' ')}` };
      }
      return { code: 1, stdout: '', stderr: `unexpected docker ${argv.join(' ')}` };
    },
    async sql(_cluster, ordinal, sql) {
      w.sqls.push({ ordinal, sql });
      timeline.push(`sql ${ordinal}: ${sql}`);
      const pod = pods[ordinal]!;
      if (!pod.running) throw new Error(`SQL in ${container(ordinal)}: container is not running`);
      if (/pg_promote/.test(sql)) {
        pod.standby = false;
        delete pod.upstream;
        return 't';
      }
      if (/^SELECT pg_is_in_recovery\(\);$/.test(sql)) return pod.standby ? 't' : 'f';
      if (/^SELECT pg_current_wal_lsn\(\);$/.test(sql)) return lsnText(pod.lsn);
      if (/^SELECT pg_last_wal_replay_lsn\(\);$/.test(sql)) return lsnText(pod.lsn);
      if (/pg_stat_replication/.test(sql)) {
        return pods
          .map((s, i) => ({ s, i }))
          .filter(({ s }) => s.running && s.upstream === ordinal)
          .map(({ s, i }) => `db-${i}|${s.ip}|streaming|${lsnText(s.lsn)}|${String(pod.lsn - s.lsn)}`)
          .join('\n');
      }
      if (/GRANT EXECUTE/.test(sql)) return '';
      throw new Error(`unexpected SQL ${sql}`);
    },
    async sleep(ms) {
      w.clock += ms;
      tick();
    },
    now: () => w.clock,
    progress: (line) => w.progress.push(line),
  };
  return w;
}

const ctxOf = (w: World, command = 'promote') => ({ controller: createClient(fake.url), command, deps: w.deps });
const argvText = (w: World) => w.calls.map((c) => c.argv.join(' '));
const indexOfReq = (pattern: RegExp) => fake.requests.findIndex((r) => pattern.test(r));
const at = (pattern: RegExp) => timeline.findIndex((e) => pattern.test(e));

async function refusal(t: any, p: Promise<unknown>, ...patterns: RegExp[]) {
  const err = await t.throwsAsync(p);
  for (const re of patterns) t.regex(err.message, re);
  return err.message as string;
}

// ---------------------------------------------------------------- pure helpers

test('LSNs parse and print', (t) => {
  t.is(parseLsn('0/3000028'), 0x3000028n);
  t.is(parseLsn('1A/FF'), (0x1an << 32n) | 0xffn);
  t.is(parseLsn(''), undefined);
  t.is(parseLsn('garbage'), undefined);
  t.is(lsnText(0x3000028n), '0/3000028');
  t.is(lsnText((0x1an << 32n) | 0xffn), '1A/FF');
});

test('pg_controldata and pg_stat_replication output parse', (t) => {
  const cd = parseControlData('pg_control version number:            1300\nDatabase cluster state:               shut down\nLatest checkpoint location:           0/3000090\nLatest checkpoint\'s TimeLineID:       2\n');
  t.deepEqual(cd, { state: 'shut down', checkpoint: '0/3000090', timeline: 2 });
  t.deepEqual(parseReplicationRows('db-1|10.0.0.3|streaming|0/3000060|0\ndb-2||catchup||\n'), [
    { app: 'db-1', addr: '10.0.0.3', state: 'streaming', replay: '0/3000060', lagBytes: 0 },
    { app: 'db-2', addr: '', state: 'catchup', replay: '', lagBytes: undefined },
  ]);
});

test('pg_rewind argv: the replication user, the primary pod, no password; the grants it needs', (t) => {
  const cluster = describeCluster({ scope: 'prod', name: 'db', spec: spec(3), config: { PG_PRIMARY_ORDINAL: '1', POSTGRES_REPLICATION_PASSWORD: RPW } });
  const argv = rewindArgv(cluster, 1);
  t.deepEqual(argv, ['pg_rewind', '--target-pgdata=/var/lib/postgresql/data/pgdata', "--source-server=host=db-1.prod.voodu port=5433 user='replicator' dbname=postgres", '--progress']);
  t.false(argv.join(' ').includes(RPW));
  const sql = rewindGrantsSql('replicator');
  t.is(REWIND_FUNCTIONS.length, 4);
  for (const f of REWIND_FUNCTIONS) t.true(sql.includes(`GRANT EXECUTE ON FUNCTION ${f} TO "replicator";`));
  t.deepEqual(dataMount(cluster, 2), { volume: 'voodu-prod-db-data-2', mountPath: '/var/lib/postgresql/data', arg: 'voodu-prod-db-data-2:/var/lib/postgresql/data' });
});

// ---------------------------------------------------------------- promote: refusals

test.serial('promote: flags — --replica N, --replica=N, -r N before the ref; --replica is required', async (t) => {
  for (const args of [['prod/db', '--replica', '9'], ['--replica=9', 'prod/db'], ['-r', '9', 'prod/db']]) {
    setup();
    const w = world();
    await refusal(t, promoteRun(args, ctxOf(w)), /--replica 9: out of range for postgres prod\/db \(replicas = 3: ordinals 0\.\.2\)/);
  }
  setup();
  await refusal(t, promoteRun(['prod/db'], ctxOf(world())), /--replica: required/, /voodu pg:promote prod\/db --replica 1/);
  await refusal(t, promoteRun(['prod/db', '--replica', 'x'], ctxOf(world())), /--replica: "x" is not an ordinal/);
  await refusal(t, promoteRun(['prod/db', '--replica', '1', '--to', '2'], ctxOf(world())), /--to: unknown flag/);
  await refusal(t, promoteRun(['db', '--replica', '1'], ctxOf(world())), /needs its scope/);
  const err = await refusal(t, promoteRun(['prod/db'], ctxOf(world(), 'failover')), /voodu pg:failover prod\/db --replica 1/);
  t.false(err.includes('pg:promote'));
});

test.serial('promote: refuses a single pod, the current primary, a missing or stopped target — nothing changed', async (t) => {
  setup(1);
  await refusal(t, promoteRun(['prod/db', '--replica', '0'], ctxOf(world(1))), /replicas = 1: there is no standby to promote/, /replicas = 2 or more/);
  setup();
  await refusal(t, promoteRun(['prod/db', '--replica', '0'], ctxOf(world())), /--replica 0: pod 0 is already the primary .*PG_PRIMARY_ORDINAL=0.*pick a standby: 1, 2/);
  setup(3, { PG_PRIMARY_ORDINAL: '2' });
  await refusal(t, promoteRun(['prod/db', '--replica', '2'], ctxOf(world(3, 2))), /pod 2 is already the primary/);

  setup();
  let w = world();
  w.pods[1]!.exists = false;
  await refusal(t, promoteRun(['prod/db', '--replica', '1'], ctxOf(w)), /--replica 1: pod 1 of postgres prod\/db has no container \(prod-db\.1\); `voodu apply` creates it/);
  w = world();
  w.pods[1]!.running = false;
  await refusal(t, promoteRun(['prod/db', '--replica', '1'], ctxOf(w)), /pod 1 \(prod-db\.1\) is exited, not running; start it/);
  t.false(fake.requests.some((r) => r.startsWith('POST')));
  t.false(argvText(w).some((a) => a.startsWith('stop') || a.startsWith('exec')));
});

test.serial('promote: the primary down → refused without --force', async (t) => {
  setup();
  const w = world();
  w.pods[0]!.running = false;
  await refusal(t, promoteRun(['prod/db', '--replica', '1'], ctxOf(w)), /the primary pod 0 \(prod-db\.0\) is exited/, /pass --force/);
  t.false(fake.requests.some((r) => r.startsWith('POST')));
});

test.serial('promote: the lag check refuses a target that is not streaming, or does not catch up within the wait', async (t) => {
  setup();
  let w = world();
  delete w.pods[1]!.upstream; // streams from nobody
  let msg = await refusal(t, promoteRun(['prod/db', '--replica', '1'], ctxOf(w)), /lag check failed/, /pod 1 is not streaming from pod 0/, /--force/, /nothing was changed/);
  t.false(fake.requests.some((r) => r.startsWith('POST')), msg);
  t.false(argvText(w).some((a) => a.startsWith('stop') || a.includes('pg_ctl')));

  setup();
  w = world();
  w.behind[1] = 0x5000n; // never catches up
  w.pods[1]!.lsn = START - 0x5000n;
  msg = await refusal(t, promoteRun(['prod/db', '--replica', '1'], ctxOf(w)), /lag check failed/, /pod 1 streams but is \d+ bytes behind/, /after 5 s/, /--force/);
  t.false(fake.requests.some((r) => r.startsWith('POST')), msg);
  t.true(w.progress.some((l) => l.includes('lag check')));
});

test.serial('promote: lag that drains within the wait passes the check', async (t) => {
  setup();
  const w = world();
  w.behind[1] = 0x1000n;
  w.pods[1]!.lsn = START - 0x1000n;
  w.catchUp = 0x400n;
  const cluster = describeCluster({ scope: 'prod', name: 'db', spec: spec(3), config: fake.buckets['prod/db']! });
  await lagCheck(w.deps, cluster, 0, 1);
  t.true(w.progress.some((l) => /lag check: pod 1 streams and has replayed .* \(lag 0 bytes\)/.test(l)));
});

// ---------------------------------------------------------------- promote: the switch

test.serial('promote: lag check, record, fence, final LSN, pg_promote, consumers, rejoin of the old primary, the other standby follows', async (t) => {
  setup();
  const w = world();
  const r = await promoteRun(['prod/db', '--replica', '1'], ctxOf(w));

  // The bucket names pod 1 before the old primary stops, and the stop comes before the promote.
  const stored = indexOfReq(/^POST \/config\?scope=prod&name=db&restart=false \{"PG_PRIMARY_ORDINAL":"1"\}$/);
  t.true(stored >= 0, fake.requests.join('\n'));
  const calls = argvText(w);
  const fenceAt = calls.findIndex((a) => a.startsWith('exec -u postgres prod-db.0 pg_ctl stop -D /var/lib/postgresql/data/pgdata -m fast'));
  t.true(fenceAt >= 0);
  const update = calls.indexOf('update --restart no prod-db.0');
  t.true(update >= 0 && update < fenceAt, 'Docker must not restart the fenced primary with its old env');
  t.true(calls.includes('stop -t 30 prod-db.0'));
  const promoteSql = w.sqls.findIndex((s) => /pg_promote\(true, 60\)/.test(s.sql));
  t.is(w.sqls[promoteSql]!.ordinal, 1);
  // The final checkpoint was read from the stopped primary's volume before the promote.
  const controlAt = calls.findIndex((a) => /--entrypoint pg_controldata postgres:15 \/var\/lib\/postgresql\/data\/pgdata$/.test(a));
  t.true(controlAt > fenceAt);
  t.true(calls[controlAt]!.includes('-v voodu-prod-db-data-0:/var/lib/postgresql/data'));
  t.true(w.sqls.slice(0, promoteSql).some((s) => s.ordinal === 1 && /pg_last_wal_replay_lsn/.test(s.sql)));

  // Pod 1 is the primary; pod 0 rejoined (no rewind needed after a clean switchover), pod 2 follows pod 1.
  t.false(w.pods[1]!.standby);
  t.true(w.pods[0]!.running && w.pods[0]!.standby && w.pods[0]!.upstream === 1);
  t.true(w.pods[2]!.running && w.pods[2]!.upstream === 1);
  // Pod 0's container was remade by the controller's repair with PG_PRIMARY_ORDINAL=1 (it stayed down at the
  // guard); after the rewind it is only started again. Pod 2's container still names pod 0, so the controller recreates it.
  t.is(w.pods[0]!.envPrimary, 1);
  t.true(at(/^docker start prod-db\.0$/) > at(/--entrypoint touch .*standby\.signal/));
  t.false(fake.requests.some((q) => /ordinal=0/.test(q)));
  t.true(indexOfReq(/^DELETE \/resource\?scope=prod&name=db&ordinal=2$/) > stored);
  t.false(fake.requests.some((q) => q.includes('prune')));

  // pg_rewind ran as the replication user against pod 1; the password only in the environment.
  const rewind = w.calls.find((c) => c.argv.includes('pg_rewind'))!;
  t.truthy(rewind);
  t.true(rewind.argv.join(' ').includes("--source-server=host=db-1.prod.voodu port=5433 user='replicator' dbname=postgres"));
  t.true(rewind.argv.includes('--network') && rewind.argv.includes('voodu0'));
  t.is(rewind.argv[rewind.argv.indexOf('-e') + 1], 'PGPASSWORD');
  t.deepEqual(rewind.env, { PGPASSWORD: RPW });
  t.true(rewind.argv.includes('-u') && rewind.argv[rewind.argv.indexOf('-u') + 1] === 'postgres');
  for (const c of w.calls) t.false(c.argv.join(' ').includes(RPW) || c.argv.join(' ').includes(PW));
  t.true(w.sqls.some((s) => s.ordinal === 1 && s.sql.includes('GRANT EXECUTE ON FUNCTION pg_catalog.pg_read_binary_file(text) TO "replicator"')));

  // The consumer was repointed (with a restart) as soon as pod 1 accepted writes, before the rejoins.
  const consumerAt = indexOfReq(/^POST \/config\?scope=prod&name=web \{"DATABASE_URL":/);
  t.true(consumerAt > stored, fake.requests.join('\n'));
  t.true(at(/controller: POST \/config\?scope=prod&name=web/) > at(/^sql 1: SELECT pg_promote/), 'consumers move once pod 1 is the primary');
  t.true(at(/controller: POST \/config\?scope=prod&name=web/) < at(/--entrypoint pg_rewind/), 'consumers move before the rejoins');
  t.regex(fake.buckets['prod/web']!.DATABASE_URL!, /^postgres:\/\/app:sup3r%2Fs3cret%40pw@db-1\.prod\.voodu:5433\/appdb$/);
  t.false(fake.requests[consumerAt]!.includes('restart=false'));
  t.true(w.sqls.findIndex((s) => /pg_promote/.test(s.sql)) >= 0);
  // Actions: the provider's ordinal again, without a restart; nothing left for the consumer.
  t.deepEqual(r.actions, [{ type: 'config_set', scope: 'prod', name: 'db', kv: { PG_PRIMARY_ORDINAL: '1' }, skip_restart: true }]);

  t.regex(r.message, /pod 1 promoted \(was pod 0\); writes were unavailable for \d+\.\d s/);
  t.regex(r.message, /1 linked consumer\(s\) now point at db-1\.prod\.voodu/);
  t.regex(r.message, /old primary: pod 0 streams from pod 1 \(pg_rewind: no rewind required\)/);
  t.regex(r.message, /pod 2 streams from pod 1/);
  t.false(r.message.includes(PW));
  for (const step of ['lag check', 'recording PG_PRIMARY_ORDINAL=1', 'fencing the old primary', "final WAL position", 'promoting pod 1', 'leave recovery', 'accepts writes', 'rejoin pod 0', 'pg_rewind', 'restarting standby pod 2']) {
    t.true(w.progress.some((l) => l.includes(step)), step);
  }
  for (const l of w.progress) t.true(l.startsWith('postgres prod/db: '), l);
});

test.serial('promote: a target that never gets the final checkpoint is not promoted; the old primary is put back', async (t) => {
  setup();
  const w = world();
  w.getsFinal = false;
  w.behind = {};
  // Caught up for the lag check, but cut off before the shutdown checkpoint reaches it.
  const msg = await refusal(t, promoteRun(['prod/db', '--replica', '1'], ctxOf(w)), /pod 1 was NOT promoted/, /the old primary ended at/, /Pod 0 is the primary again \(PG_PRIMARY_ORDINAL=0; writes were unavailable for \d+\.\d s\)/, /--force/);
  t.false(w.sqls.some((s) => /pg_promote/.test(s.sql)), msg);
  const forward = indexOfReq(/"PG_PRIMARY_ORDINAL":"1"/);
  const back = indexOfReq(/"PG_PRIMARY_ORDINAL":"0"/);
  t.true(forward >= 0 && back > forward);
  t.true(indexOfReq(/^DELETE \/resource\?scope=prod&name=db&ordinal=0$/) > back);
  t.is(fake.buckets['prod/db']!.PG_PRIMARY_ORDINAL, '0');
  t.true(w.pods[0]!.running && !w.pods[0]!.standby);
});

test.serial('promote: an old primary that did not shut down cleanly is not trusted without --force', async (t) => {
  setup();
  const w = world();
  const docker = w.deps.docker;
  w.deps.docker = async (argv, opts) => {
    const r = await docker(argv, opts);
    if (argv.includes('pg_ctl')) w.pods[0]!.control = 'in production'; // killed, not shut down
    return r;
  };
  await refusal(t, promoteRun(['prod/db', '--replica', '2'], ctxOf(w)), /pod 2 was NOT promoted/, /pod 0 did not shut down cleanly \(pg_controldata: in production\)/);
  t.is(fake.buckets['prod/db']!.PG_PRIMARY_ORDINAL, '0');
});

test.serial('promote --no-restart: no pod but the old primary is touched; the message says how to rejoin', async (t) => {
  setup();
  const w = world();
  const r = await promoteRun(['prod/db', '--replica', '2', '--no-restart'], ctxOf(w));
  t.false(fake.requests.some((q) => q.startsWith('DELETE')));
  t.false(w.calls.some((c) => c.argv.includes('pg_rewind')));
  t.regex(r.message, /pod 2 promoted \(was pod 0\)/);
  t.regex(r.message, /--no-restart: pod 0 \(the old primary\) stays down/);
  t.regex(r.message, /voodu pg:rejoin prod\/db --replica 0; voodu pg:rejoin prod\/db --replica 1/);
  t.is(r.actions[0]!.kv.PG_PRIMARY_ORDINAL, '2');
  t.regex(fake.buckets['prod/web']!.DATABASE_URL!, /@db-2\.prod\.voodu:5433\//);
});

test.serial('promote: a consumer the controller refuses now is handed back as an action (with the reads URL it was linked with)', async (t) => {
  setup(3, { POSTGRES_LINKED_CONSUMERS: 'prod/web,prod/broken', POSTGRES_READS_CONSUMERS: 'prod/broken' });
  const w = world();
  const r = await promoteRun(['prod/db', '--replica', '2', '--no-restart'], ctxOf(w));
  t.is(r.actions.length, 2);
  const a = r.actions[1]!;
  t.like(a, { type: 'config_set', scope: 'prod', name: 'broken' });
  t.regex(a.kv.DATABASE_URL, /@db-2\.prod\.voodu:5433\/appdb$/);
  t.regex(a.kv.DATABASE_READ_URL, /@db-0\.prod\.voodu:5433,db-1\.prod\.voodu:5433\/appdb\?/);
  t.regex(fake.buckets['prod/web']!.DATABASE_URL!, /@db-2\./);
  t.regex(r.message, /2 linked consumer\(s\) now point at db-2\.prod\.voodu and restart: prod\/web, prod\/broken/);
  t.true(w.progress.some((l) => l.includes('consumer prod/broken not repointed yet')));
});

test.serial('failover --force with the primary down: no lag check, no fence, the target promoted', async (t) => {
  setup();
  const w = world();
  w.pods[0]!.running = false;
  w.pods[0]!.control = 'in production';
  const r = await promoteRun(['prod/db', '-r', '1', '--force', '--no-restart'], ctxOf(w, 'failover'));
  t.false(w.progress.some((l) => l.includes('lag check:')));
  t.false(w.calls.some((c) => c.argv.includes('pg_ctl')));
  // Still fenced: Docker's restart policy must not bring it back with its old env.
  t.true(argvText(w).includes('update --restart no prod-db.0'));
  t.true(argvText(w).includes('stop -t 30 prod-db.0'));
  t.false(w.pods[1]!.standby);
  t.regex(r.message, /pod 1 promoted \(was pod 0\)/);
});

test.serial('promote: a rejoin that fails is reported, the promote stands', async (t) => {
  setup();
  const w = world();
  w.rewind = { code: 1, stdout: '', stderr: 'pg_rewind: error: could not connect' };
  w.restartFails = true;
  onRecreate = undefined; // nor does the controller recreate it: the pod never streams
  const sleep = w.deps.sleep;
  w.deps.sleep = async (ms) => sleep(ms * 50); // let the stream timeouts pass quickly
  const r = await promoteRun(['prod/db', '--replica', '1'], ctxOf(w));
  t.regex(r.message, /old primary pod 0 did NOT rejoin: .*did not stream from pod 1.*pg_rewind had failed: pg_rewind: error: could not connect/);
  t.true(at(/--entrypoint sh \S+ -c mv .* \/var\/lib\/postgresql\/data\/pgdata \/var\/lib\/postgresql\/data\/pgdata\.voodu-discarded-\d+$/) >= 0, timeline.join('\n'));
  t.true(indexOfReq(/^DELETE \/resource\?scope=prod&name=db&ordinal=0$/) >= 0, 'docker start failed: the controller was asked');
  t.is(r.actions[0]!.kv.PG_PRIMARY_ORDINAL, '1');
});

// ---------------------------------------------------------------- rejoin

test.serial('rejoin: refuses the primary, an ordinal out of range, no replication password, a pod that does not exist', async (t) => {
  setup(3, { PG_PRIMARY_ORDINAL: '1' });
  await refusal(t, rejoinRun(['prod/db', '--replica', '1'], ctxOf(world(3, 1))), /--replica 1: pod 1 is the primary of postgres prod\/db \(PG_PRIMARY_ORDINAL=1\)/, /pick one of 0, 2/);
  await refusal(t, rejoinRun(['prod/db', '--replica=5'], ctxOf(world(3, 1))), /--replica 5: postgres prod\/db has 3 pod\(s\) \(ordinals 0\.\.2\)/);
  await refusal(t, rejoinRun(['prod/db'], ctxOf(world(3, 1))), /--replica: required/);
  setup(3, { POSTGRES_REPLICATION_PASSWORD: '' });
  await refusal(t, rejoinRun(['prod/db', '-r', '2'], ctxOf(world())), /no POSTGRES_REPLICATION_PASSWORD in its config bucket/, /voodu apply/);
  setup();
  const w = world();
  w.pods[2]!.exists = false;
  const docker = w.deps.docker;
  w.deps.docker = async (argv, opts) => (argv[0] === 'volume' ? { code: 1, stdout: '', stderr: 'no such volume' } : docker(argv, opts));
  await refusal(t, rejoinRun(['prod/db', '--replica', '2'], ctxOf(w)), /pod 2 has neither a container \(prod-db\.2\) nor a data volume \(voodu-prod-db-data-2\)/);
  t.false(fake.requests.some((q) => q.startsWith('DELETE')));
});

test.serial('rejoin: a stopped standby — held down, rewound ("no rewind required"), standby.signal back, recreated, streaming', async (t) => {
  setup();
  const w = world();
  w.pods[2]!.running = false;
  w.pods[2]!.control = 'shut down in recovery';
  const r = await rejoinRun(['prod/db', '--replica', '2'], ctxOf(w, 'rejoin'));
  const calls = argvText(w);
  const rm = calls.findIndex((a) => a.includes('--entrypoint rm postgres:15 -f /var/lib/postgresql/data/pgdata/standby.signal'));
  const rewind = calls.findIndex((a) => a.includes('--entrypoint pg_rewind'));
  const touch = calls.findIndex((a) => a.includes('--entrypoint touch postgres:15 /var/lib/postgresql/data/pgdata/standby.signal'));
  t.true(rm >= 0 && rewind > rm && touch > rewind, calls.join('\n'));
  t.true(calls[rewind]!.includes('--volumes-from prod-db.2'));
  t.true(calls.indexOf('start prod-db.2') > touch, 'its container already follows pod 0: started again, not recreated');
  t.false(fake.requests.some((q) => q.startsWith('DELETE')));
  t.true(w.pods[2]!.running && w.pods[2]!.upstream === 0);
  t.regex(r.message, /postgres prod\/db: pod 2 streams from pod 0 \(pg_rewind: no rewind required\); took \d+\.\d s/);
  t.deepEqual(r.actions, []);
});

test.serial('rejoin: a running standby is stopped first; a real rewind keeps its data', async (t) => {
  setup();
  const w = world();
  w.rewind = { code: 0, stdout: '', stderr: 'pg_rewind: servers diverged at WAL location 0/3000000 on timeline 1\npg_rewind: Done!\n' };
  const r = await rejoinRun(['prod/db', '--replica', '1'], ctxOf(w, 'rejoin'));
  const calls = argvText(w);
  t.true(calls.indexOf('stop -t 30 prod-db.1') > calls.findIndex((a) => a.includes('--entrypoint rm')));
  t.true(calls.indexOf('stop -t 30 prod-db.1') < calls.findIndex((a) => a.includes('--entrypoint pg_rewind')));
  t.regex(r.message, /pod 1 streams from pod 0 \(pg_rewind preserved local data\)/);
});

test.serial('rejoin: pg_rewind fails → its data is moved aside and removed; its next boot takes a base backup', async (t) => {
  setup();
  const w = world();
  w.rewind = { code: 1, stdout: '', stderr: 'pg_rewind: error: could not find common ancestor of the source and target cluster\'s timelines' };
  const r = await rejoinRun(['prod/db', '--replica', '2'], ctxOf(w, 'rejoin'));
  const calls = argvText(w);
  const mark = calls.findIndex((a) => /--entrypoint sh postgres:15 -c mv "\$1" "\$2" && rm -rf "\$2" sh \/var\/lib\/postgresql\/data\/pgdata \/var\/lib\/postgresql\/data\/pgdata\.voodu-discarded-\d+$/.test(a));
  t.true(mark > calls.findIndex((a) => a.includes('--entrypoint pg_rewind')), calls.join('\n'));
  t.false(calls.some((a) => a.includes('--entrypoint touch postgres:15 /var/lib/postgresql/data/pgdata/standby.signal')));
  t.true(calls.indexOf('start prod-db.2') > mark);
  t.true(w.pods[2]!.running && w.pods[2]!.upstream === 0 && w.pods[2]!.standbySignal);
  t.regex(r.message, /pod 2 streams from pod 0 \(pg_rewind failed, rebuilt from a fresh base backup\).*\(its old data was discarded\)/);
  t.true(w.progress.some((l) => l.includes('pg_rewind failed (pg_rewind: error: could not find common ancestor')));
});

test.serial('rejoin: PGDATA at the volume root (nothing to move aside) → the controller rebuilds the pod from an empty volume', async (t) => {
  setup(3, {}, { PGDATA: '/var/lib/postgresql/data' });
  const w = world();
  w.rewind = { code: 1, stdout: '', stderr: 'pg_rewind: error: boom' };
  const r = await rejoinRun(['prod/db', '--replica', '1'], ctxOf(w, 'rejoin'));
  t.true(indexOfReq(/^DELETE \/resource\?scope=prod&name=db&ordinal=1&prune=true$/) >= 0, fake.requests.join('\n'));
  t.false(argvText(w).some((a) => a.includes('voodu-discarded')));
  t.regex(r.message, /pod 1 streams from pod 0 \(pg_rewind failed, rebuilt/);
});

test.serial('rejoin: a container made before the promote (its env names the old primary) is recreated by the controller, not restarted', async (t) => {
  setup(3, { PG_PRIMARY_ORDINAL: '1' });
  const w = world(3, 1);
  w.repair = false;
  w.pods[2]!.envPrimary = 0; // still from before PG_PRIMARY_ORDINAL moved to 1
  const r = await rejoinRun(['prod/db', '--replica', '2'], ctxOf(w, 'rejoin'));
  t.false(argvText(w).some((a) => a.startsWith('start')));
  t.true(indexOfReq(/^DELETE \/resource\?scope=prod&name=db&ordinal=2$/) >= 0);
  t.is(w.pods[2]!.envPrimary, 1);
  t.regex(r.message, /pod 2 streams from pod 1/);
});

test.serial('rejoin: the primary not answering stops it before the pod is touched', async (t) => {
  setup();
  const w = world();
  w.pods[0]!.running = false;
  await refusal(t, rejoinRun(['prod/db', '--replica', '2'], ctxOf(w, 'rejoin')), /pod 2 was not rejoined — the primary pod 0 \(prod-db\.0\) does not answer/, /voodu pg:promote prod\/db --replica N/);
  t.false(argvText(w).some((a) => a.startsWith('stop') || a.includes('--entrypoint rm')));
});

test.serial('main: promote and failover dispatch to promote.js; errors are the envelope', async (t) => {
  setup(1);
  for (const command of ['promote', 'failover']) {
    let err = '';
    let code = 0;
    await main([command, 'prod/db', '--replica', '0'], { PATH: process.env.PATH }, {
      stdin: async () => JSON.stringify({ plugin: 'postgres', command, controller_url: fake.url }),
      out: () => undefined,
      err: (s) => (err += s),
      exit: (c) => (code = c),
    });
    t.is(code, 1);
    t.regex(JSON.parse(err).error, /replicas = 1: there is no standby to promote/);
  }
  let out = '';
  await main(['rejoin', '--help'], {}, { out: (s) => (out += s), err: () => undefined, exit: () => undefined, stdin: async () => '' });
  t.regex(out, /pg_rewind/);
  t.regex(out, /automatic fallback/);
});
