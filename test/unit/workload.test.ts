/** The pure parts of the workload service and the deployment plan: defaults, spec hash, container spec, survivors. */
import test from 'ava';
import { ValidationError } from '../../lib/errors.js';
import { hasFixedHostPort } from '../../modules/deployment/rollout.js';
import { aliasesOf, isStale, survivors } from '../../modules/deployment/plan.js';
import type { EnvSync, Replica } from '../../modules/workload/contract.js';
import { buildContainerSpec, ulimitsOf } from '../../modules/workload/container.js';
import { applyDefaults } from '../../modules/workload/defaults.js';
import { envFromApp } from '../../modules/workload/env.js';
import { compute } from '../../modules/workload/host-limits.js';
import { newReleaseId } from '../../modules/workload/releases.js';
import { specHash } from '../../modules/workload/spec-hash.js';

const ref = { kind: 'deployment', scope: 'prod', name: 'api' };
const dep = (spec: Record<string, unknown>) => applyDefaults('deployment', ref, spec);

test('controller defaults: image, networks with voodu0 last, restart, replicas', (t) => {
  const w = dep({});
  t.is(w.image, 'prod-api:latest');
  t.deepEqual(w.networks, ['voodu0']);
  t.is(w.restart, 'unless-stopped');
  t.is(w.replicas, 1);
  t.deepEqual(w.logs, { max_size: '10m', max_files: 3 });
  t.deepEqual(dep({ network: 'edge' }).networks, ['edge', 'voodu0']);
  t.deepEqual(dep({ networks: ['voodu0', 'a'] }).networks, ['voodu0', 'a']);
  t.deepEqual(dep({ network_mode: 'host' }).networks, []);
  t.is(dep({ replicas: 0, autoscale: { min: 3, max: 5 } }).replicas, 3);
  t.is(applyDefaults('statefulset', { ...ref, kind: 'statefulset' }, {}).image, 'prod-api:latest');
  t.throws(() => dep({ network_mode: 'bridge' }), { instanceOf: ValidationError, message: /network_mode "bridge" is not supported/ });
  t.throws(() => dep({ network_mode: 'host', networks: ['x'] }), { instanceOf: ValidationError, message: /cannot be combined/ });
});

test('spec hash: stable, moves with what a replica runs, not with replicas or webhooks', async (t) => {
  const base = { image: 'x:1', env: { A: '1' }, ports: ['80'] };
  const h = await specHash(dep(base));
  t.regex(h, /^[0-9a-f]{64}$/);
  t.is(await specHash(dep({ ...base })), h);
  t.is(await specHash(dep({ env: { A: '1' }, ports: ['80'], image: 'x:1' })), h, 'key order does not matter');
  t.is(await specHash(dep({ ...base, replicas: 7, health_check: '/up', on_deploy: { success: [{ url: 'http://x' }] } })), h);
  t.is(await specHash(dep({ ...base, ports: ['127.0.0.1::80'] })), h, 'ports hash as they will be bound');
  for (const change of [{ image: 'x:2' }, { env: { A: '2' } }, { env_from: ['other'] }, { build: { args: { V: '1' } } }, { command: ['sh'] }, { restart: 'always' }]) {
    t.not(await specHash(dep({ ...base, ...change })), h, JSON.stringify(change));
  }
  // Statefulsets hash env_from too.
  const ss = (spec: Record<string, unknown>) => applyDefaults('statefulset', { ...ref, kind: 'statefulset' }, spec);
  t.not(await specHash(ss({ ...base, env_from: ['a'] })), await specHash(ss(base)));
});

test('spec hash: asset digests count for container fields, not for webhook files', async (t) => {
  const digests = { 'prod.conf.main': 'aaa', 'hook.body': 'bbb' };
  const spec = {
    image: 'x:1',
    volumes: ['${asset.conf.main}:/etc/app.conf'],
    on_deploy: { success: [{ url: 'http://x', file: '${asset.hook.body}' }] },
    _asset_digests: digests,
  };
  const h = await specHash(dep(spec));
  t.is(await specHash(dep({ ...spec, _asset_digests: { ...digests, 'hook.body': 'ccc' } })), h, 'a webhook body never rolls replicas');
  t.not(await specHash(dep({ ...spec, _asset_digests: { ...digests, 'prod.conf.main': 'ddd' } })), h);
});

test('container spec: labels, aliases, identity env only, env files in order, resources, ulimits', (t) => {
  const w = dep({ image: 'x:1', env: { SECRET: 'manifest' }, ports: ['80'], resources: { limits: { cpu: '500m', memory: '64Mi' } }, ulimits: { nofile: '1024' }, extra_hosts: ['db:10.0.0.1'], cap_add: ['NET_ADMIN'] });
  const env: EnvSync = { changed: false, hash: 'e1', files: ['/f/other.env', '/f/own.env'], missing: [] };
  const spec = buildContainerSpec(w, { image: 'x:1', volumes: [], ports: ['80'] }, env, {
    name: 'prod-api.ab12',
    replicaId: 'ab12',
    aliases: aliasesOf(w),
    hash: 'h1',
    releaseId: 'r1',
  });
  t.like(spec.labels, {
    'voodu.kind': 'deployment',
    'voodu.scope': 'prod',
    'voodu.name': 'api',
    'voodu.replica_id': 'ab12',
    'voodu.manifest_hash': 'h1',
    'voodu.release_id': 'r1',
    'voodu.role': 'deployment',
    'voodu.env_hash': 'e1',
  });
  t.deepEqual(spec.aliases, ['api.prod', 'api.prod.voodu']);
  t.deepEqual(spec.env, { VOODU_SCOPE: 'prod', VOODU_NAME: 'api', VOODU_REPLICA_ID: 'ab12' }, 'manifest env is not a -e');
  t.deepEqual(spec.envFiles, env.files);
  t.deepEqual(spec.networks, [], 'voodu0 is the runtime’s to add');
  t.is(spec.cpus, 0.5);
  t.is(spec.memoryBytes, 64 * 1024 * 1024);
  t.deepEqual(spec.ulimits?.nofile, { soft: 1024, hard: 1024 });
  t.deepEqual(spec.extraHosts, ['db:10.0.0.1']);
  t.deepEqual(spec.capAdd, ['NET_ADMIN']);
  t.is(spec.restart, 'unless-stopped');
});

test('ulimits, host clamping, env_from refs, release ids', (t) => {
  t.deepEqual(ulimitsOf({ nofile: '10:20', core: '-1' }), { nofile: { soft: 10, hard: 20 }, core: { soft: -1, hard: -1 } });
  const limits = 'Limit                     Soft Limit           Hard Limit           Units\nMax processes             96365                96365                processes\nMax open files            20000                20000                files\n';
  t.deepEqual(compute(limits), { nofile: '20000:20000', nproc: '4096:4096' });
  t.deepEqual(compute(undefined), { nofile: '65536:65536', nproc: '4096:4096' });
  t.is(envFromApp('shared', 'prod'), 'prod-shared');
  t.is(envFromApp('infra/db', 'prod'), 'infra-db');
  const id = newReleaseId(Date.UTC(2026, 0, 1));
  t.regex(id, /^[0-9a-z]+[0-9a-f]{2}$/);
  t.true(newReleaseId(Date.UTC(2026, 0, 2)) > id, 'sortable by time');
});

const replica = (name: string, over: Partial<Replica> = {}): Replica => ({
  id: name,
  name,
  image: 'x',
  imageId: 'sha256:1',
  state: 'running',
  status: '',
  labels: {},
  createdAt: '2026-01-01T00:00:00.000Z',
  replicaId: name,
  hash: 'h',
  envHash: 'e',
  releaseId: '',
  ...over,
});

test('staleness and scale-down survivors: current and running first, then newest', (t) => {
  const target = { hash: 'h', envHashes: new Set(['e', 'e2']), imageId: 'sha256:1' };
  t.is(isStale(replica('a'), target, new Set()), undefined);
  t.is(isStale(replica('a', { envHash: 'e2' }), target, new Set()), undefined, 'any env that counts as current is current');
  t.is(isStale(replica('a', { hash: 'old' }), target, new Set()), 'spec changed');
  t.is(isStale(replica('a', { envHash: 'old' }), target, new Set()), 'env changed');
  t.is(isStale(replica('a', { imageId: 'sha256:0' }), target, new Set()), 'image changed');
  t.is(isStale(replica('a'), target, new Set(['a'])), 'restart requested');

  const live = [
    replica('old', { hash: 'x', createdAt: '2026-01-01T00:00:09.000Z' }),
    replica('stopped', { state: 'exited', createdAt: '2026-01-01T00:00:08.000Z' }),
    replica('older', { createdAt: '2026-01-01T00:00:01.000Z' }),
    replica('newer', { createdAt: '2026-01-01T00:00:05.000Z' }),
  ];
  t.deepEqual(survivors(live, 2, target, new Set()).keep.map((r) => r.name), ['newer', 'older']);
  t.deepEqual(survivors(live, 1, target, new Set()).drop.map((r) => r.name), ['older', 'stopped', 'old']);
});

test('after a crash mid-rollout, a successor that failed readiness goes before the stale replica still serving', (t) => {
  const target = { hash: 'h', envHashes: new Set(['e']), imageId: 'sha256:1' };
  const live = [replica('serving', { hash: 'old', createdAt: '2026-01-01T00:00:01.000Z' }), replica('successor', { createdAt: '2026-01-01T00:00:09.000Z' })];
  t.deepEqual(survivors(live, 1, target, new Set()).keep.map((r) => r.name), ['successor'], 'a proven successor is kept');
  t.deepEqual(survivors(live, 1, target, new Set(), new Set(['successor'])).keep.map((r) => r.name), ['serving']);
  // An unready successor still beats a stale replica that is down.
  const down = [replica('dead', { hash: 'old', state: 'exited' }), replica('successor')];
  t.deepEqual(survivors(down, 1, target, new Set(), new Set(['successor'])).keep.map((r) => r.name), ['successor']);
});

test('fixed host ports are told apart from loopback ephemeral ones', (t) => {
  t.false(hasFixedHostPort('80'));
  t.false(hasFixedHostPort('127.0.0.1::80'));
  t.true(hasFixedHostPort('3000:80'));
  t.true(hasFixedHostPort('127.0.0.1:3000:80/udp'));
  t.true(hasFixedHostPort('[::1]:3000:80'));
});
