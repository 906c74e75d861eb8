/** Derived names (app id, env file, status key, containers, volumes, asset dirs) and the clash check between resources. */
import test from 'ava';
import type { Manifest } from '../../lib/identity.js';
import { appClaim, batchClash, claimsOf, clashMessage, firstClash } from '../../lib/name-claims.js';
import { claimVolumeName, initContainerName, replicaContainerName } from '../../lib/resource-names.js';
import { layout } from '../../modules/paths/index.js';
import { podName, volumeName } from '../../modules/statefulset/naming.js';
import { kinds } from '../helpers/kinds.js';

const paths = layout('/srv/voodu');
const m = (kind: string, scope: string, name: string, spec: Record<string, unknown> = { image: 'x' }): Manifest => ({
  kind,
  ...(scope ? { scope } : {}),
  name,
  spec,
});
const sts = (scope: string, name: string, claims: string[], inits: string[] = []) =>
  m('statefulset', scope, name, {
    image: 'x',
    volume_claims: claims.map((c) => ({ name: c, mount_path: '/d' })),
    ...(inits.length ? { inits: inits.map((i) => ({ name: i, command: ['true'] })) } : {}),
  });

test('names: the statefulset module and the check spell pods and volumes alike', (t) => {
  t.is(podName('s-db', 2), 's-db.2');
  t.is(podName('s-db', 2), replicaContainerName('s-db', '2'));
  t.is(volumeName({ scope: 's', name: 'db' }, 'data', 1), 'voodu-s-db-data-1');
  t.is(volumeName({ scope: '', name: 'db' }, 'data', 1), 'voodu-db-data-1');
  t.is(claimVolumeName({ scope: 's', name: 'db-x' }, 'data', 0), claimVolumeName({ scope: 's', name: 'db' }, 'x-data', 0));
  t.is(initContainerName('s-web', 'migrate', 'ab12'), 's-web-init-migrate-ab12');
});

test('claims: a workload takes its app id (dirs, env file, containers) and its per-kind status key', (t) => {
  const claims = claimsOf(m('deployment', 'a', 'b-c'), kinds, paths);
  const app = claims.find((c) => c.key === 'app\0a-b-c');
  t.truthy(app);
  t.regex(app!.what, /app id "a-b-c" \(apps\/a-b-c, env file apps\/a-b-c\/shared\/\.env, volumes\/a-b-c, containers a-b-c\.N\)/);
  t.truthy(claims.find((c) => c.key === 'status\0/status/deployments/a-b-c'));
  // An ingress has no app dir or containers: only its status key (and route id).
  t.deepEqual(
    claimsOf(m('ingress', 'a', 'b-c', { host: 'x' }), kinds, paths).map((c) => c.key),
    ['status\0/status/ingresss/a-b-c'],
  );
});

test('clash: a-b/c and a/b-c share the app id, named both ways with the shared name', (t) => {
  const clash = batchClash([m('deployment', 'a', 'b-c')], [m('deployment', 'a-b', 'c')], kinds, paths);
  t.truthy(clash);
  t.is(
    clashMessage(clash!),
    'deployment/a/b-c: its app id "a-b-c" (apps/a-b-c, env file apps/a-b-c/shared/.env, volumes/a-b-c, containers a-b-c.N) is already used by deployment/a-b/c; rename one of them',
  );
  // Different kinds at the two identities still share apps/a-b-c and the env file.
  t.regex(clashMessage(batchClash([m('job', 'a', 'b-c')], [m('statefulset', 'a-b', 'c')], kinds, paths)!), /^job\/a\/b-c: its app id "a-b-c".*statefulset\/a-b\/c/);
});

test('clash: within one batch, the later one is refused and the message says so', (t) => {
  const clash = batchClash([m('deployment', 'a-b', 'c'), m('deployment', 'a', 'b-c')], [], kinds, paths);
  t.truthy(clash);
  t.regex(clashMessage(clash!), /^deployment\/a\/b-c: its app id "a-b-c" .* is also used by deployment\/a-b\/c in this apply; rename one of them$/);
});

test('no clash: same (scope, name) of different kinds share the app id and config bucket', (t) => {
  t.is(batchClash([m('deployment', 's', 'web'), m('job', 's', 'web'), m('ingress', 's', 'web', { host: 'x' })], [m('cronjob', 's', 'web', { schedule: '* * * * *', job: { image: 'x' } })], kinds, paths), undefined);
});

test('no clash: a resource re-applied replaces its stored self; prefix names are distinct', (t) => {
  t.is(batchClash([m('deployment', 'a', 'b')], [m('deployment', 'a', 'b')], kinds, paths), undefined);
  t.is(batchClash([m('deployment', 'a', 'b')], [m('deployment', 'a', 'b-c'), sts('a', 'b-c', ['data'])], kinds, paths), undefined);
  t.is(batchClash([sts('s', 'db', ['data'])], [sts('s', 'db-x', ['data'])], kinds, paths), undefined);
});

test('clash: statefulset volumes db claim x-data vs db-x claim data, every ordinal alike', (t) => {
  const clash = batchClash([sts('s', 'db-x', ['data'])], [sts('s', 'db', ['x-data'])], kinds, paths);
  t.truthy(clash);
  t.is(
    clashMessage(clash!),
    'statefulset/s/db-x: its volume "voodu-s-db-x-data-0" (claim "data"; every ordinal alike) is already used by statefulset/s/db (claim "x-data"); rename one of them',
  );
  // The same through a deployment beside it: the volume still clashes, the app ids do not.
  t.regex(clashMessage(batchClash([sts('s', 'db', ['x-data'])], [sts('s', 'db-x', ['data']), m('deployment', 's', 'db')], kinds, paths)!), /volume "voodu-s-db-x-data-0"/);
});

test('clash: init containers whose names meet across app ids', (t) => {
  // s-a-init-x-init-y-<replica> is both an init "x-init-y" of s/a and an init "y" of s/a-init-x.
  const clash = batchClash([sts('s', 'a-init-x', [], ['y'])], [sts('s', 'a', [], ['x-init-y'])], kinds, paths);
  t.truthy(clash);
  t.regex(clashMessage(clash!), /init container name "s-a-init-x-init-y-N" is already used by statefulset\/s\/a \(init "x-init-y"\)/);
});

test('clash: an unscoped asset and a scoped one share a status key, or the scope directory', (t) => {
  const status = batchClash([m('asset', '', 'x-y', { files: {} })], [m('asset', 'x', 'y', { files: {} })], kinds, paths);
  t.regex(clashMessage(status!), /^asset\/x-y: its status key "\/status\/assets\/x-y" is already used by asset\/x\/y/);
  const dir = batchClash([m('asset', '', 'prod', { files: {} })], [m('asset', 'prod', 'tls', { files: {} }), m('asset', 'prod', 'ca', { files: {} })], kinds, paths);
  t.regex(clashMessage(dir!), /^asset\/prod: its directory assets\/prod is already used by asset\/prod\/tls/);
  // Scoped assets of one scope share that directory with each other.
  t.is(batchClash([m('asset', 'prod', 'tls', { files: {} })], [m('asset', 'prod', 'ca', { files: {} })], kinds, paths), undefined);
});

test('config bucket: its env file clashes with a workload of another (scope, name) only', (t) => {
  const bucket = appClaim({ kind: 'config', scope: 'a', name: 'b-c' }, paths);
  t.truthy(firstClash([bucket], claimsOf(m('deployment', 'a-b', 'c'), kinds, paths)));
  t.is(firstClash([bucket], claimsOf(m('deployment', 'a', 'b-c'), kinds, paths)), undefined);
  t.is(firstClash([bucket], claimsOf(m('ingress', 'a-b', 'c', { host: 'x' }), kinds, paths)), undefined);
});
