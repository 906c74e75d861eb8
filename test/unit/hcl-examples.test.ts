/**
 * The example manifests under examples/ parse to exactly what the server
 * should receive. The seed-002 ones (stateful services) are pinned in full.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { loadManifests } from '../../cli/hcl/index.js';
import { validateManifest } from '../../lib/manifest/index.js';
import { kinds } from '../helpers/kinds.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const LOGS = { max_size: '10m', max_files: 3 };
// `dir` (the file's directory, where build contexts start) is asserted once below; the rest compare without it.
const load = async (file: string, env: Record<string, string> = {}) => (await loadManifests({ files: [file], cwd: root, env })).map(({ dir: _dir, ...l }) => l);
const base64 = (path: string) => readFileSync(`${root}/examples/${path}`).toString('base64');

const postgres = (replicas: number) => ({
  kind: 'statefulset',
  scope: 'data',
  name: 'pg',
  spec: {
    image: 'postgres:15-alpine',
    replicas,
    env: { PGDATA: '/var/lib/postgresql/data/pgdata', POSTGRES_DB: 'myapp' },
    ports: ['5432'],
    volume_claims: [{ name: 'data', mount_path: '/var/lib/postgresql/data' }],
    logs: LOGS,
  },
});

test('a loaded manifest knows the directory of its file', async (t) => {
  const [loaded] = await loadManifests({ files: ['examples/statefulset/postgres.hcl'], cwd: root, env: {} });
  t.is(loaded!.dir, join(root, 'examples', 'statefulset'));
});

test('statefulset/postgres.hcl: one pod with a claim', async (t) => {
  t.deepEqual(await load('examples/statefulset/postgres.hcl'), [{ source: 'examples/statefulset/postgres.hcl:13', manifest: postgres(1) }]);
});

test('statefulset/postgres-cluster.hcl: three ordinals', async (t) => {
  t.deepEqual(await load('examples/statefulset/postgres-cluster'), [{ source: 'examples/statefulset/postgres-cluster.hcl:13', manifest: postgres(3) }]);
});

test('statefulset/redis.hcl: redis with AOF', async (t) => {
  t.deepEqual(await load('examples/statefulset/redis'), [
    {
      source: 'examples/statefulset/redis.hcl:5',
      manifest: {
        kind: 'statefulset',
        scope: 'data',
        name: 'cache',
        spec: {
          image: 'redis:7-alpine',
          replicas: 1,
          command: ['redis-server', '--appendonly', 'yes'],
          ports: ['6379'],
          volume_claims: [{ name: 'data', mount_path: '/data' }],
          logs: LOGS,
        },
      },
    },
  ]);
});

test('statefulset/: postgres.hcl and postgres-cluster.hcl declare the same statefulset, so the directory is refused', async (t) => {
  await t.throwsAsync(load('examples/statefulset'), {
    message:
      'duplicate identity statefulset/data/pg: declared by statefulset "data" "pg" at examples/statefulset/postgres-cluster.hcl:13 and by statefulset "data" "pg" at examples/statefulset/postgres.hcl:13; an app block declares a deployment and an ingress of its name',
  });
});

test('stack/voodu.hcl: assets (file + url), postgres and redis plugin blocks with plugin {} and asset volumes, app with tls', async (t) => {
  const loaded = await load('examples/stack/voodu.hcl');
  t.deepEqual(loaded, [
    {
      source: 'examples/stack/voodu.hcl:24',
      manifest: {
        kind: 'asset',
        scope: 'data',
        name: 'pg-config',
        spec: {
          files: {
            postgresql_conf: { _source: 'file', content: base64('stack/configs/postgresql.conf'), filename: 'postgresql.conf' },
            pg_hba_conf: { _source: 'file', content: base64('stack/configs/pg_hba.conf'), filename: 'pg_hba.conf' },
          },
        },
      },
    },
    {
      source: 'examples/stack/voodu.hcl:29',
      manifest: {
        kind: 'asset',
        scope: 'data',
        name: 'redis-config',
        spec: {
          files: {
            configuration: { _source: 'file', content: base64('stack/configs/redis.conf'), filename: 'redis.conf' },
            users_acl: { _source: 'url', url: 'https://r2.example.com/voodu/redis-users.acl', timeout: '', on_failure: '' },
          },
        },
      },
    },
    {
      source: 'examples/stack/voodu.hcl:38',
      manifest: {
        kind: 'postgres',
        scope: 'data',
        name: 'pg',
        spec: {
          command: ['postgres', '-c', 'config_file=/etc/postgresql/postgresql.conf', '-c', 'hba_file=/etc/postgresql/pg_hba.conf'],
          image: 'postgres:15-alpine',
          volumes: [
            '${asset.data.pg-config.postgresql_conf}:/etc/postgresql/postgresql.conf:ro',
            '${asset.data.pg-config.pg_hba_conf}:/etc/postgresql/pg_hba.conf:ro',
          ],
          plugin: { version: '0.2.0' },
        },
      },
    },
    {
      source: 'examples/stack/voodu.hcl:59',
      manifest: {
        kind: 'redis',
        scope: 'data',
        name: 'cache',
        spec: {
          command: ['redis-server', '/etc/redis/redis.conf'],
          image: 'redis:8',
          volumes: [
            '${asset.data.redis-config.configuration}:/etc/redis/redis.conf:ro',
            '${asset.data.redis-config.users_acl}:/etc/redis/users.acl:ro',
          ],
          plugin: { version: 'latest' },
        },
      },
    },
    {
      source: 'examples/stack/voodu.hcl:76',
      manifest: {
        kind: 'deployment',
        scope: 'myapp',
        name: 'web',
        spec: {
          image: 'ghcr.io/myorg/myapp:latest',
          replicas: 3,
          env: { NODE_ENV: 'production', PORT: '8080' },
          ports: ['8080'],
          health_check: '/healthz',
          logs: LOGS,
        },
      },
    },
    {
      source: 'examples/stack/voodu.hcl:76',
      manifest: {
        kind: 'ingress',
        scope: 'myapp',
        name: 'web',
        spec: { host: 'myapp.example.com', tls: { enabled: true, provider: 'letsencrypt', email: 'ops@example.com' } },
      },
    },
  ]);
  t.is(Buffer.from((loaded[0]!.manifest.spec.files as Record<string, { content: string }>).postgresql_conf!.content, 'base64').toString().split('\n')[0], '# PostgreSQL settings for a small single-node database.');
});

test('web/voodu.hcl: deployment (autoscale, probes, init, webhooks) and ingress (locations, lb)', async (t) => {
  const [d, i] = await load('examples/web', { API_VERSION: '1.5.0' });
  t.is(d!.manifest.spec.image, 'ghcr.io/example/shop-api:1.5.0');
  t.is(d!.manifest.spec.replicas, 2, 'seeded from autoscale.min');
  t.deepEqual(d!.manifest.spec.env, { RAILS_ENV: 'production', RAILS_LOG_LEVEL: 'info', WEB_CONCURRENCY: '2' });
  t.deepEqual(d!.manifest.spec.inits, [{ name: 'migrate', command: ['bin/rails', 'db:migrate'], timeout: '5m', retries: 2 }]);
  t.deepEqual(d!.manifest.spec.probes, {
    liveness: { tcp_socket: { port: 3000 }, initial_delay: '20s' },
    readiness: { http_get: { path: '/up', port: 3000 }, period: '5s', failure_threshold: 3 },
  });
  t.deepEqual(d!.manifest.spec.on_deploy, {
    success: [{ url: 'https://hooks.example.com/deploys', body: { text: '{{scope}}/{{name}} is live on {{image}}' } }],
    failure: [{ url: 'https://hooks.example.com/alerts', method: 'PUT' }],
  });
  t.deepEqual(i!.manifest, {
    kind: 'ingress',
    scope: 'shop',
    name: 'api',
    spec: {
      host: 'api.example.com',
      tls: { enabled: true, provider: 'letsencrypt', email: 'ops@example.com' },
      locations: [{ path: '/v1' }, { path: '/legacy', strip: true }],
      lb: { policy: 'least_conn', interval: '10s' },
    },
  });
  const [dflt] = await load('examples/web');
  t.is(dflt!.manifest.spec.image, 'ghcr.io/example/shop-api:1.4.2', 'the default when API_VERSION is unset');
});

test('jobs/voodu.hcl: a job and a cronjob whose flat fields nest under job', async (t) => {
  const [job, cron] = await load('examples/jobs');
  t.deepEqual(job!.manifest.spec, {
    image: 'ghcr.io/example/shop-api:1.4.2',
    command: ['bin/rails', 'search:reindex'],
    env_from: ['shop/api'],
    timeout: '30m',
    resources: { limits: { memory: '1Gi' } },
    logs: LOGS,
  });
  t.deepEqual(cron!.manifest.spec, {
    schedule: '30 2 * * mon-fri',
    job: { image: 'ghcr.io/example/shop-api:1.4.2', command: ['bin/rails', 'reports:nightly'], env: { REPORT_RECIPIENTS: 'finance@example.com' }, logs: LOGS },
    concurrency_policy: 'Forbid',
    timezone: 'America/Sao_Paulo',
    successful_history_limit: 5,
    failed_history_limit: 2,
  });
});

test('registry/voodu.hcl: token from the shell, a credential helper, and a deployment', async (t) => {
  await t.throwsAsync(load('examples/registry'), { message: /^examples\/registry\/voodu\.hcl: undefined variable\(s\): GHCR_TOKEN, GHCR_USER;/ });
  const loaded = await load('examples/registry', { GHCR_USER: 'acme-bot', GHCR_TOKEN: 'ghp_x' });
  t.deepEqual(loaded.map((l) => l.manifest), [
    { kind: 'registry', name: 'ghcr', spec: { url: 'ghcr.io', username: 'acme-bot', token: 'ghp_x' } },
    { kind: 'registry', name: 'ecr', spec: { url: '123456789012.dkr.ecr.us-east-1.amazonaws.com', helper: 'ecr-login' } },
    { kind: 'deployment', scope: 'acme', name: 'worker', spec: { image: 'ghcr.io/acme/worker:2.0', replicas: 2, command: ['bin/worker'], health_check: '/', logs: LOGS } },
  ]);
});

test('every example validates to itself at /apply (wire rules, no HCL conversions)', async (t) => {
  const files = ['examples/stack', 'examples/web', 'examples/jobs', 'examples/registry', 'examples/statefulset/redis.hcl', 'examples/statefulset/postgres.hcl'];
  const loaded = await loadManifests({ files, cwd: root, env: { GHCR_USER: 'u', GHCR_TOKEN: 't' } });
  t.is(loaded.length, 15);
  for (const { manifest, source } of loaded) t.deepEqual(validateManifest(JSON.parse(JSON.stringify(manifest)), kinds), manifest, source);
});
