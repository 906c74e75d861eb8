import test from 'ava';
import { CORE_KINDS, isCoreKind, parseKind, scopeRule } from '../../lib/manifest/index.js';

test('the seven core kinds', (t) => {
  t.deepEqual([...CORE_KINDS], ['deployment', 'statefulset', 'ingress', 'job', 'cronjob', 'asset', 'registry']);
  t.true(isCoreKind('cronjob'));
  t.false(isCoreKind('app'));
  t.false(isCoreKind('redis'));
});

test('parseKind accepts singular or plural, in any case', (t) => {
  t.is(parseKind('deployment'), 'deployment');
  t.is(parseKind('Deployments'), 'deployment');
  t.is(parseKind('STATEFULSETS'), 'statefulset');
  t.is(parseKind('cronjobs'), 'cronjob');
  t.is(parseKind('assets'), 'asset');
  t.is(parseKind('registries'), 'registry');
  t.is(parseKind('registrys'), 'registry', 'the reference form: a trailing s stripped');
});

test('parseKind tries ingress as a singular first', (t) => {
  t.is(parseKind('ingress'), 'ingress');
  t.is(parseKind('Ingress'), 'ingress');
  t.is(parseKind('ingresss'), 'ingress');
  t.is(parseKind('ingresses'), 'ingress');
});

test('parseKind rejects sugar and plugin kinds', (t) => {
  t.is(parseKind('app'), undefined);
  t.is(parseKind('redis'), undefined);
  t.is(parseKind(''), undefined);
});

test('scope rules: scoped, optionally scoped, unscoped; plugin kinds optional', (t) => {
  for (const k of ['deployment', 'statefulset', 'ingress', 'job', 'cronjob', 'app']) t.is(scopeRule(k), 'required', k);
  t.is(scopeRule('asset'), 'optional');
  t.is(scopeRule('registry'), 'forbidden');
  t.is(scopeRule('postgres'), 'optional');
});
