import test from 'ava';
import type { ConfigService } from '../../modules/config/contract.js';
import { MASK, createRedactor, maskValues, refFromArg } from '../../modules/plugins/redact.js';
import type { RunResult } from '../../modules/plugins/run.js';

test('values are masked longest first, short ones left alone, JSON-escaped forms too', (t) => {
  t.is(maskValues('url=postgres://u:hunter22@db pass=hunter22', ['hunter22', 'postgres://u:hunter22@db']), `url=${MASK} pass=${MASK}`);
  t.is(maskValues('replicas 1 of yes', ['1', 'yes', 'abc']), 'replicas 1 of yes', 'under 4 characters: not masked');
  t.is(maskValues('{"p":"a\\"b\\\\cdef"}', ['a"b\\cdef']), `{"p":"${MASK}"}`);
  t.is(maskValues('nothing here', []), 'nothing here');
});

test('refFromArg takes <scope>/<name> with valid segments only', (t) => {
  t.deepEqual(refFromArg('prod/api'), { scope: 'prod', name: 'api' });
  for (const bad of [undefined, '', 'prod', 'a/b/c', 'Prod/api', '../etc', 'prod/', '/x', '--flag']) t.is(refFromArg(bad), undefined, String(bad));
});

function fakeConfig(buckets: Record<string, Record<string, string>>, fail = false): ConfigService {
  return {
    bucket: async (scope: string, name?: string) => {
      if (fail) throw new Error('etcd is down');
      return buckets[name ? `${scope}/${name}` : scope] ?? {};
    },
  } as unknown as ConfigService;
}

const result = (over: Partial<RunResult>): RunResult => ({ exitCode: 1, stdout: '', stderr: '', ...over });

test('the redactor reads both buckets (an overridden scope value included) and masks the human-facing text', async (t) => {
  const config = fakeConfig({ prod: { SHARED: 'scope-secret-1', PASS: 'scope-pass-old' }, 'prod/api': { PASS: 'app-pass-new' } });
  const r = createRedactor(() => config);
  const ref = { scope: 'prod', name: 'api' };
  t.is(await r.mask('a scope-secret-1 b scope-pass-old c app-pass-new', ref), `a ${MASK} b ${MASK} c ${MASK}`);
  t.is(await r.mask('a scope-secret-1', undefined), 'a scope-secret-1', 'no resource: nothing to mask with');
  t.is(await r.mask('x extra-value', undefined, ['extra-value']), `x ${MASK}`);

  const plain = await r.result(result({ stderr: 'err app-pass-new', stdout: 'out app-pass-new' }), ref);
  t.is(plain.stderr, `err ${MASK}`);
  t.is(plain.stdout, `out ${MASK}`, 'plain-text stdout is for people: masked');
  const env = await r.result(result({ stdout: '{"status":"error","data":{"p":"app-pass-new"}}', envelope: { status: 'error', error: 'bad app-pass-new', data: { p: 'app-pass-new' } } }), ref);
  t.is(env.envelope!.error, `bad ${MASK}`);
  t.is(env.stdout, '{"status":"error","data":{"p":"app-pass-new"}}', 'an envelope is data for the caller: untouched');
});

test('when the buckets cannot be read the text is withheld, never passed on unmasked', async (t) => {
  const warned: string[] = [];
  const log = { warn: (m: string) => warned.push(m) } as never;
  const r = createRedactor(() => fakeConfig({}, true), log);
  const out = await r.mask('the secret is app-pass-new', { scope: 'prod', name: 'api' });
  t.false(out.includes('app-pass-new'));
  t.regex(out, /output withheld: the config of prod\/api could not be read/);
  t.regex(warned[0] ?? '', /withheld/);
});
