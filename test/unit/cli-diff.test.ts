import test from 'ava';
import { buildPlan, diffValues, hasChanges, redactAssetSpec, renderPlan, summaryLine } from '../../cli/diff.js';
import { toYaml } from '../../cli/yaml.js';

test('field diffs recurse into objects, compare arrays whole, and sort by path', (t) => {
  const changes = diffValues(
    { image: 'a:1', env: { A: '1', B: '2' }, ports: ['80'], replicas: 1 },
    { image: 'a:2', env: { A: '1', C: '3' }, ports: ['80', '443'], replicas: 1 },
  );
  t.deepEqual(changes, [
    { op: '-', path: 'env.B', from: '2' },
    { op: '+', path: 'env.C', to: '3' },
    { op: '~', path: 'image', from: 'a:1', to: 'a:2' },
    { op: '~', path: 'ports', from: ['80'], to: ['80', '443'] },
  ]);
  t.deepEqual(diffValues({ a: { x: 1, y: 2 } }, { a: { y: 2, x: 1 } }), [], 'key order is not a change');
});

test('a plan counts adds, modifications and prunes, and renders each', (t) => {
  const plan = buildPlan({
    applied: [
      { kind: 'deployment', scope: 'prod', name: 'api', spec: { image: 'api:2' } },
      { kind: 'deployment', scope: 'prod', name: 'web', spec: { image: 'web:1' } },
      { kind: 'job', scope: 'prod', name: 'migrate', spec: { image: 'api:2' } },
    ],
    current: [{ kind: 'deployment', scope: 'prod', name: 'api', spec: { image: 'api:1' } }, null, { kind: 'job', scope: 'prod', name: 'migrate', spec: { image: 'api:2' } }],
    pruned: ['deployment/prod/old'],
  });
  t.deepEqual(plan.counts, { add: 1, modify: 1, prune: 1 });
  t.true(hasChanges(plan));
  t.is(summaryLine(plan), '1 to add, 1 to modify, 1 to prune');
  const text = renderPlan(plan);
  t.regex(text, /~ deployment\/prod\/api\n {4}~ image {2}"api:1" {2}→ {2}"api:2"/);
  t.regex(text, /\+ deployment\/prod\/web \(new\)\n {4}\+ image {2}"web:1"/);
  t.regex(text, /= job\/prod\/migrate \(unchanged\)/);
  t.regex(text, /Would prune[\s\S]*- deployment\/prod\/old/);
  t.false(hasChanges(buildPlan({ applied: [], current: [], pruned: [] })));
  t.is(summaryLine(buildPlan({ applied: [], current: [], pruned: [] })), 'no changes');
});

test('asset contents never reach the plan: they are summarised by digest and size', (t) => {
  const secret = 'requirepass hunter2';
  const redacted = redactAssetSpec({
    files: {
      inline: secret,
      file: { _source: 'file', content: Buffer.from(secret).toString('base64'), filename: 'redis.conf' },
      remote: { _source: 'url', url: 'https://example.com/a' },
    },
  })!;
  const text = JSON.stringify(redacted);
  t.false(text.includes('hunter2'));
  t.false(text.includes(Buffer.from(secret).toString('base64')));
  t.regex((redacted.files as any).inline, /^<sha256:[0-9a-f]{8} 19 bytes>$/);
  t.is((redacted.files as any).file.filename, 'redis.conf');
  t.deepEqual((redacted.files as any).remote, { _source: 'url', url: 'https://example.com/a' });
});

test('yaml output quotes what YAML would misread and nests lists and maps', (t) => {
  const y = toYaml({ kind: 'deployment', spec: { replicas: 2, env: { DEBUG: 'true', PORT: '8080', URL: 'a: b' }, ports: ['80'], empty: [], none: {} }, on: null });
  t.is(
    y,
    [
      'kind: deployment',
      'spec:',
      '  replicas: 2',
      '  env:',
      '    DEBUG: "true"',
      '    PORT: "8080"',
      '    URL: "a: b"',
      '  ports:',
      '    - "80"',
      '  empty: []',
      '  none: {}',
      '"on": null',
      '',
    ].join('\n'),
  );
  t.is(toYaml([{ name: 'a', v: 1 }, { name: 'b' }]), '- name: a\n  v: 1\n- name: b\n');
});
