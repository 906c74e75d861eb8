/** Pure parts of the config module: env layering, env-file rendering, manifest env, CLI argument parsing. */
import test from 'ava';
import { parsePairs, parseRef } from '../../modules/config/cli.js';
import { mergeEnv, renderEnvFile } from '../../modules/config/env-file.js';
import { envOf } from '../../modules/config/manifests.js';
import { kinds } from '../helpers/kinds.js';

test('mergeEnv: manifest < scope < app; HCL scalars stringified, structures dropped', (t) => {
  t.deepEqual(mergeEnv({ A: 'm', B: 'm', C: 'm', N: 1, F: false, O: { x: 1 }, L: [1], Z: null }, { B: 's', C: 's' }, { C: 'a' }), {
    A: 'm',
    B: 's',
    C: 'a',
    N: '1',
    F: 'false',
  });
});

test('renderEnvFile: sorted, trimmed, blank keys skipped; line-breaking input rejected without the value', (t) => {
  t.is(renderEnvFile({ b: ' 2 ', ' a ': '1', '  ': 'x', C: '' }), 'C=\na=1\nb=2\n');
  t.is(renderEnvFile({}), '');
  const err = t.throws(() => renderEnvFile({ K: 'top-secret\nmore' }));
  t.regex(err!.message, /^env K: the value contains a newline/);
  t.false(err!.message.includes('top-secret'));
  t.throws(() => renderEnvFile({ 'A=B': 'x' }), { message: /^env "A=B": not usable/ });
  t.throws(() => renderEnvFile({ '#A': 'x' }), { message: /^env "#A": not usable/ });
});

test('envOf: spec.env, cronjob spec.job.env, {} otherwise', (t) => {
  t.deepEqual(envOf(kinds, { kind: 'deployment', name: 'a', spec: { env: { A: '1' } } }), { A: '1' });
  t.deepEqual(envOf(kinds, { kind: 'cronjob', name: 'a', spec: { env: { X: 'ignored' }, job: { env: { B: '2' } } } }), { B: '2' });
  t.deepEqual(envOf(kinds, { kind: 'job', name: 'a', spec: { env: ['A=1'] } }), {});
  t.deepEqual(envOf(kinds, { kind: 'statefulset', name: 'a', spec: {} }), {});
});

test('CLI: refs and KEY=VALUE pairs', (t) => {
  t.deepEqual(parseRef('prod'), { scope: 'prod' });
  t.deepEqual(parseRef('prod/api'), { scope: 'prod', name: 'api' });
  for (const bad of ['', 'a/', '/a', 'a/b/c']) t.throws(() => parseRef(bad), { message: /is not <scope> or <scope>\/<name>/ });
  t.deepEqual(parsePairs(['A=1', 'URL=postgres://u:p@h/d?x=1', 'E=', 'A=2']), { A: '2', URL: 'postgres://u:p@h/d?x=1', E: '' });
  t.throws(() => parsePairs(['NOEQ']), { message: /argument "NOEQ" is not KEY=VALUE/ });
  const err = t.throws(() => parsePairs(['=secret']));
  t.false(err!.message.includes('secret'));
  t.throws(() => parsePairs([]), { message: /at least one KEY=VALUE/ });
});
