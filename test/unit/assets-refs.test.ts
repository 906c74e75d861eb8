/** `${asset…}` references: parsing, finding them in a consumer spec, digest keys. */
import test from 'ava';
import { ValidationError } from '../../lib/errors.js';
import { collectRefs, digestKey, parseRef, refsIn } from '../../modules/assets/refs.js';

test('parseRef takes both ${asset…} forms and the bare depends_on forms', (t) => {
  t.deepEqual(parseRef('${asset.conf.main}'), { name: 'conf', key: 'main', text: '${asset.conf.main}' });
  t.deepEqual(parseRef('${asset.prod.conf.main}'), { scope: 'prod', name: 'conf', key: 'main', text: '${asset.prod.conf.main}' });
  t.deepEqual(parseRef('conf.main'), { name: 'conf', key: 'main', text: 'conf.main' });
  t.deepEqual(parseRef('prod.conf.main'), { scope: 'prod', name: 'conf', key: 'main', text: 'prod.conf.main' });
  t.deepEqual(parseRef('conf._k-1'), { name: 'conf', key: '_k-1', text: 'conf._k-1' });
  for (const bad of ['conf', '${asset.conf}', 'a.b.c.d', '${asset.a.b.c.d}', 'x ${asset.a.b}', '../x.y', '']) {
    t.is(parseRef(bad), undefined, bad);
  }
});

test('refsIn finds every reference in a string and refuses malformed ones', (t) => {
  const refs = refsIn('-v ${asset.a.k}:/a -v ${asset.s.b.k}:/b', 'where');
  t.deepEqual(
    refs.map((r) => [r.scope, r.name, r.key]),
    [
      [undefined, 'a', 'k'],
      ['s', 'b', 'k'],
    ],
  );
  t.deepEqual(refsIn('no refs, ${VAR} and ${ref.deployment.x.y} stay', 'where'), []);
  const err = t.throws(() => refsIn('x ${asset.only} y', 'deployment/p/a: spec.command[0]'), { instanceOf: ValidationError });
  t.is(err?.message.startsWith('deployment/p/a: spec.command[0]: "${asset.only}" is not an asset reference'), true, err?.message);
  t.throws(() => refsIn('${asset.a.b', 'w'), { instanceOf: ValidationError });
});

test('collectRefs scans every string except top-level _ keys and depends_on, then adds depends_on.assets', (t) => {
  const spec = {
    image: '${asset.i.k}',
    env: { A: '${asset.e.k}', 'B-C': 'x ${asset.e2.k}' },
    volumes: ['/x:/x', '${asset.v.k}:/v'],
    nested: [{ deep: ['${asset.d.k}'] }],
    _asset_digests: { 'old.k': '${asset.skip.me}' },
    _private: '${asset.skip.me}',
    depends_on: { assets: ['dep.k', 'scope.dep.k'], other: '${asset.skip.me}' },
  };
  const found = collectRefs(undefined, spec, 'deployment/p/a');
  t.deepEqual(
    found.map((f) => [f.ref.text, f.field]),
    [
      ['${asset.i.k}', 'spec.image'],
      ['${asset.e.k}', 'spec.env.A'],
      ['${asset.e2.k}', 'spec.env["B-C"]'],
      ['${asset.v.k}', 'spec.volumes[1]'],
      ['${asset.d.k}', 'spec.nested[0].deep[0]'],
      ['dep.k', 'spec.depends_on.assets[0]'],
      ['scope.dep.k', 'spec.depends_on.assets[1]'],
    ],
  );
});

test('collectRefs: a cronjob\'s job follows the same rules one level down', (t) => {
  const spec = { schedule: '@daily', job: { command: ['${asset.c.k}'], _x: '${asset.skip.me}', depends_on: { assets: ['j.k'] } } };
  t.deepEqual(
    collectRefs('job', spec, 'cronjob/p/n').map((f) => f.field),
    ['spec.job.command[0]', 'spec.job.depends_on.assets[0]'],
  );
});

test('collectRefs refuses a malformed depends_on', (t) => {
  t.throws(() => collectRefs(undefined, { depends_on: { assets: 'a.b' } }, 'job/p/j'), { message: /spec\.depends_on\.assets must be a list/ });
  t.throws(() => collectRefs(undefined, { depends_on: { assets: ['a'] } }, 'job/p/j'), { message: /spec\.depends_on\.assets\[0\]: "a" is not an asset reference/ });
  t.throws(() => collectRefs(undefined, { depends_on: 'a.b' }, 'job/p/j'), { message: /spec\.depends_on must be a block/ });
});

test('digestKey: scope.name.key, or name.key for an unscoped asset', (t) => {
  t.is(digestKey('prod', 'conf', 'main'), 'prod.conf.main');
  t.is(digestKey('', 'conf', 'main'), 'conf.main');
});
