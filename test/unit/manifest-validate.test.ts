import test from 'ava';
import type { Manifest } from '../../lib/identity.js';
import { validateManifest } from '../../lib/manifest/index.js';
import { kinds } from '../helpers/kinds.js';

const LOGS = { max_size: '10m', max_files: 3 };
const v = (m: unknown, hcl = false) => validateManifest(m, kinds, { source: 'voodu.hcl', hcl });

/** Validating a validated manifest changes nothing: the CLI's output passes /apply unchanged. */
function idempotent(t: { deepEqual: (a: unknown, b: unknown, m?: string) => void }, out: Manifest) {
  t.deepEqual(validateManifest(out, kinds), out, 'validates to itself on the wire');
}

test('deployment: every field, normalised in wire order, defaults applied', (t) => {
  const out = v({
    kind: 'deployment',
    scope: 'prod',
    name: 'api',
    spec: {
      inits: [{ name: 'migrate', command: ['bin/rails', 'db:migrate'], timeout: '5m', retries: 2, resources: { limits: { cpu: '500m' } } }],
      probes: {
        readiness: { http_get: { path: '/up', port: 3000, scheme: 'http', http_headers: { Host: 'x' } }, period: '5s', success_threshold: 2 },
        liveness: { exec: { command: ['true'] } },
        startup: { tcp_socket: { port: 3000 }, initial_delay: '1s', timeout: '2s', failure_threshold: 30 },
      },
      image: 'ghcr.io/acme/api:1.2',
      replicas: 3,
      command: ['bin/server', ''],
      env: { RAILS_ENV: 'production', URL: '${ref.ingress.edge.url}' },
      ports: ['3000', '127.0.0.1:9000:9000', '53/udp'],
      volumes: ['${asset.prod.cfg.app_yml}:/app/config.yml:ro'],
      networks: ['backend'],
      restart: 'on-failure:3',
      health_check: '/healthz',
      post_deploy: ['bin/notify'],
      keep_releases: 7,
      extra_hosts: ['db.internal:10.0.0.5', 'gw:host-gateway', 'v6:2001:db8::1'],
      cap_add: ['SYS_NICE'],
      ulimits: { nofile: '1048576:1048576', memlock: '-1' },
      docker_options: ['--shm-size=64m'],
      env_from: ['shared/secrets', 'web'],
      release: { command: ['bin/rails', 'db:migrate'], pre_command: ['bin/pre'], post_command: ['bin/post'], timeout: '10m' },
      depends_on: { assets: ['prod.cfg.app_yml', 'ca.pem'] },
      resources: { limits: { cpu: '1.5', memory: '512Mi' } },
      on_deploy: {
        success: [{ url: 'https://hooks.example.com/a', body: { text: '{{name}} ok', n: 1 } }],
        failure: [{ url: 'https://hooks.example.com/b', method: 'patch', headers: { 'X-Key': 'k' }, file: '${asset.prod.hooks.fail_json}' }],
      },
      on_probe: { recovery: [{ url: 'https://hooks.example.com/c' }] },
      logs: { max_size: '20m' },
    },
  });
  t.deepEqual(out, {
    kind: 'deployment',
    scope: 'prod',
    name: 'api',
    spec: {
      image: 'ghcr.io/acme/api:1.2',
      replicas: 3,
      command: ['bin/server', ''],
      env: { RAILS_ENV: 'production', URL: '${ref.ingress.edge.url}' },
      ports: ['3000', '127.0.0.1:9000:9000', '53/udp'],
      volumes: ['${asset.prod.cfg.app_yml}:/app/config.yml:ro'],
      networks: ['backend'],
      restart: 'on-failure:3',
      health_check: '/healthz',
      post_deploy: ['bin/notify'],
      keep_releases: 7,
      extra_hosts: ['db.internal:10.0.0.5', 'gw:host-gateway', 'v6:2001:db8::1'],
      cap_add: ['SYS_NICE'],
      ulimits: { nofile: '1048576:1048576', memlock: '-1' },
      docker_options: ['--shm-size=64m'],
      env_from: ['shared/secrets', 'web'],
      release: { command: ['bin/rails', 'db:migrate'], pre_command: ['bin/pre'], post_command: ['bin/post'], timeout: '10m' },
      depends_on: { assets: ['prod.cfg.app_yml', 'ca.pem'] },
      resources: { limits: { cpu: '1.5', memory: '512Mi' } },
      on_deploy: {
        success: [{ url: 'https://hooks.example.com/a', body: { text: '{{name}} ok', n: 1 } }],
        failure: [{ url: 'https://hooks.example.com/b', method: 'PATCH', headers: { 'X-Key': 'k' }, file: '${asset.prod.hooks.fail_json}' }],
      },
      on_probe: { recovery: [{ url: 'https://hooks.example.com/c' }] },
      logs: { max_size: '20m', max_files: 3 },
      probes: {
        liveness: { exec: { command: ['true'] } },
        readiness: { http_get: { path: '/up', port: 3000, scheme: 'http', http_headers: { Host: 'x' } }, period: '5s', success_threshold: 2 },
        startup: { tcp_socket: { port: 3000 }, initial_delay: '1s', timeout: '2s', failure_threshold: 30 },
      },
      inits: [{ name: 'migrate', command: ['bin/rails', 'db:migrate'], timeout: '5m', retries: 2, resources: { limits: { cpu: '500m' } } }],
    },
  });
  idempotent(t, out);
});

test('deployment defaults: health_check "/", logs, build {context "."} without an image; empty values dropped', (t) => {
  const out = v({ kind: 'deployment', scope: 'prod', name: 'web', spec: { replicas: 0, env: {}, command: [], network_mode: '', probes: {} } });
  t.deepEqual(out.spec, { health_check: '/', build: { context: '.' }, logs: LOGS, probes: {} });
  idempotent(t, out);
  const built = v({ kind: 'deployment', scope: 'prod', name: 'web', spec: { build: { dockerfile: 'Dockerfile.prod', args: { A: '1' } } } });
  t.deepEqual(built.spec.build, { context: '.', dockerfile: 'Dockerfile.prod', args: { A: '1' } });
});

test('deployment with autoscale: replicas seeded from min, a wire count is clamped into [min, max]', (t) => {
  const autoscale = { min: 2, max: 5, cpu_target: 70, cooldown_up: '30s', cooldown_down: '5m' };
  const seeded = v({ kind: 'deployment', scope: 'prod', name: 'w', spec: { image: 'x', autoscale } }, true);
  t.is(seeded.spec.replicas, 2);
  idempotent(t, seeded);
  t.is(v({ kind: 'deployment', scope: 'prod', name: 'w', spec: { image: 'x', replicas: 4, autoscale } }).spec.replicas, 4);
  t.is(v({ kind: 'deployment', scope: 'prod', name: 'w', spec: { image: 'x', replicas: 9, autoscale } }).spec.replicas, 5);
});

test('statefulset: volume claims, probes, on_probe; logs and build defaults', (t) => {
  const out = v({
    kind: 'statefulset',
    scope: 'data',
    name: 'pg',
    spec: {
      image: 'postgres:15-alpine',
      replicas: 3,
      env: { POSTGRES_DB: 'app' },
      ports: ['5432'],
      volume_claims: [{ name: 'data', mount_path: '/var/lib/postgresql/data', size: '10Gi' }],
      probes: { readiness: { exec: { command: ['pg_isready'] } } },
      on_probe: { failure: [{ url: 'https://hooks.example.com/pg' }] },
    },
  });
  t.deepEqual(out.spec, {
    image: 'postgres:15-alpine',
    replicas: 3,
    env: { POSTGRES_DB: 'app' },
    ports: ['5432'],
    volume_claims: [{ name: 'data', mount_path: '/var/lib/postgresql/data', size: '10Gi' }],
    logs: LOGS,
    probes: { readiness: { exec: { command: ['pg_isready'] } } },
    on_probe: { failure: [{ url: 'https://hooks.example.com/pg' }] },
  });
  t.false('health_check' in out.spec, 'no health_check default for statefulsets');
  t.deepEqual(v({ kind: 'statefulset', scope: 'data', name: 'vec', spec: {} }).spec, { build: { context: '.' }, logs: LOGS });
  idempotent(t, out);
});

test('job: history limits, timeout, labels; logs default, no build default', (t) => {
  const out = v({
    kind: 'job',
    scope: 'ops',
    name: 'backup',
    spec: {
      command: ['pg_dump'],
      timeout: '30m',
      successful_history_limit: 5,
      failed_history_limit: 2,
      labels: { 'voodu.role': 'backup' },
      network_mode: 'host',
    },
  });
  t.deepEqual(out.spec, {
    command: ['pg_dump'],
    network_mode: 'host',
    timeout: '30m',
    successful_history_limit: 5,
    failed_history_limit: 2,
    logs: LOGS,
    labels: { 'voodu.role': 'backup' },
  });
  idempotent(t, out);
});

test('cronjob: schedule, job nested, policy, time zone, suspend', (t) => {
  const out = v({
    kind: 'cronjob',
    scope: 'ops',
    name: 'nightly',
    spec: {
      job: { image: 'x', command: ['run'] },
      schedule: '0 3 * * mon-fri',
      concurrency_policy: 'Forbid',
      timezone: 'America/Sao_Paulo',
      suspend: true,
      successful_history_limit: 4,
    },
  });
  t.deepEqual(out.spec, {
    schedule: '0 3 * * mon-fri',
    job: { image: 'x', command: ['run'], logs: LOGS },
    concurrency_policy: 'Forbid',
    timezone: 'America/Sao_Paulo',
    suspend: true,
    successful_history_limit: 4,
  });
  idempotent(t, out);
  for (const schedule of ['@daily', '*/15 * * * *', '0 0 1,15 * *', '5-10/2 8-18 * 1-12 0-7']) {
    t.notThrows(() => v({ kind: 'cronjob', scope: 'ops', name: 'c', spec: { schedule } }), schedule);
  }
});

test('ingress: tls defaults (enabled, letsencrypt), locations in order, lb; enabled=false kept', (t) => {
  const out = v({
    kind: 'ingress',
    scope: 'prod',
    name: 'api',
    spec: {
      host: 'api.example.com',
      service: 'web',
      port: 8080,
      tls: { email: 'ops@example.com' },
      locations: [{ path: '/v2' }, { path: '/v1', strip: true }],
      lb: { policy: 'round_robin', interval: '10s' },
    },
  });
  t.deepEqual(out.spec, {
    host: 'api.example.com',
    service: 'web',
    port: 8080,
    tls: { enabled: true, provider: 'letsencrypt', email: 'ops@example.com' },
    locations: [{ path: '/v2' }, { path: '/v1', strip: true }],
    lb: { policy: 'round_robin', interval: '10s' },
  });
  idempotent(t, out);
  const off = v({ kind: 'ingress', scope: 'prod', name: 'api', spec: { host: '*.example.com', tls: { enabled: false, provider: 'internal' } } });
  t.deepEqual(off.spec.tls, { enabled: false, provider: 'internal' });
  idempotent(t, off);
  const demand = v({ kind: 'ingress', scope: 'prod', name: 'api', spec: { host: 'x.io', tls: { on_demand: true, ask: 'http://127.0.0.1:9000/ok' } } });
  t.deepEqual(demand.spec.tls, { enabled: true, provider: 'letsencrypt', on_demand: true, ask: 'http://127.0.0.1:9000/ok' });
  t.false('tls' in v({ kind: 'ingress', scope: 'prod', name: 'api', spec: { host: 'x.io' } }).spec, 'no tls block, no TLS');
});

test('asset: inline, file and url values; scoped and unscoped', (t) => {
  const files = {
    motd: 'hello',
    conf: { _source: 'file', content: Buffer.from('a=1\n').toString('base64'), filename: 'app.conf' },
    acl: { _source: 'url', url: 'https://r2.example.com/acl', timeout: '5s', on_failure: 'error' },
    bare: { _source: 'url', url: 'https://r2.example.com/bare' },
  };
  const out = v({ kind: 'asset', scope: 'data', name: 'redis-config', spec: { files } });
  t.deepEqual(out.spec.files, { ...files, bare: { _source: 'url', url: 'https://r2.example.com/bare', timeout: '', on_failure: '' } });
  idempotent(t, out);
  const unscoped = v({ kind: 'asset', name: 'ca-bundle', spec: { files: { pem: 'x' } } });
  t.false('scope' in unscoped);
  t.deepEqual(v({ kind: 'asset', name: 'empty', spec: {} }).spec, { files: {} });
});

test('registry: token mode, password alias, helper mode', (t) => {
  t.deepEqual(v({ kind: 'registry', name: 'ghcr', spec: { url: 'ghcr.io', username: 'bot', token: 't' } }).spec, { url: 'ghcr.io', username: 'bot', token: 't' });
  t.deepEqual(v({ kind: 'registry', name: 'hub', spec: { url: 'docker.io', username: 'bot', password: 'p' } }).spec, { url: 'docker.io', username: 'bot', token: 'p' });
  t.deepEqual(v({ kind: 'registry', name: 'both', spec: { url: 'x.io', username: 'u', token: 't', password: 'p' } }).spec.token, 't', 'token wins');
  const ecr = v({ kind: 'registry', scope: '', name: 'ecr', spec: { url: '1.dkr.ecr.us-east-1.amazonaws.com', helper: 'ecr-login' } });
  t.deepEqual(ecr, { kind: 'registry', name: 'ecr', spec: { url: '1.dkr.ecr.us-east-1.amazonaws.com', helper: 'ecr-login' } });
  idempotent(t, ecr);
});

test('plugin kinds: identity checked, spec passed through untouched, 0/1/2 labels', (t) => {
  const spec = { plugin: { version: '0.2.0' }, image: 'postgres:15', whatever: [{ _labels: ['a'], x: 1 }], _private: true };
  t.deepEqual(v({ kind: 'postgres', scope: 'data', name: 'pg', spec }), { kind: 'postgres', scope: 'data', name: 'pg', spec });
  t.deepEqual(v({ kind: 'redis', name: 'redis', spec: {} }), { kind: 'redis', name: 'redis', spec: {} });
  t.deepEqual(v({ kind: 'Redis', name: 'cache' }), { kind: 'redis', name: 'cache', spec: {} }, 'kind lowercased, spec defaults to {}');
});

test('server-stamped _ keys are accepted on the wire and kept; metadata kept', (t) => {
  const out = validateManifest({
    kind: 'statefulset',
    scope: 'data',
    name: 'pg',
    spec: { image: 'x', _asset_digests: { 'data.cfg.conf': 'ab12' }, _stamped_by: { v: 1 } },
    metadata: { revision: 7, created_at: '2024-01-01T00:00:00Z' },
  }, kinds);
  t.deepEqual(out.spec._asset_digests, { 'data.cfg.conf': 'ab12' });
  t.deepEqual(out.spec._stamped_by, { v: 1 });
  t.deepEqual(out.metadata, { revision: 7, created_at: '2024-01-01T00:00:00Z' });
  const cron = validateManifest({ kind: 'cronjob', scope: 'o', name: 'c', spec: { schedule: '@daily', _asset_digests: { 'a.b': 'cd' }, job: { _asset_digests: { 'a.b': 'cd' } } } }, kinds);
  t.deepEqual(cron.spec._asset_digests, { 'a.b': 'cd' });
});

test('HCL conversions apply only to HCL input: numbers and bools become strings and back', (t) => {
  const hcl = v({ kind: 'deployment', scope: 'p', name: 'a', spec: { image: 'x', replicas: '2', env: { N: 1, B: true, Z: null }, ulimits: { nofile: 1024 } } }, true);
  t.deepEqual(hcl.spec.env, { N: '1', B: 'true', Z: '' });
  t.is(hcl.spec.replicas, 2);
  t.deepEqual(hcl.spec.ulimits, { nofile: '1024' });
  t.throws(() => v({ kind: 'deployment', scope: 'p', name: 'a', spec: { env: { N: 1 } } }), { message: 'voodu.hcl: deployment/p/a: env.N: must be a string, got the number 1' });
  t.throws(() => v({ kind: 'deployment', scope: 'p', name: 'a', spec: { replicas: '2' } }), { message: /replicas: must be a whole number, got the string "2"/ });
});
