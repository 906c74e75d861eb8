import test from 'ava';
import { createHooks } from '../../kernel/index.js';
import { KindRegistry } from '../../lib/manifest/index.js';
import { expandAll } from '../../modules/apply/pipeline.js';
import { coreModules } from '../../modules/core.js';
import { kinds } from '../helpers/kinds.js';

const CORE = ['deployment', 'statefulset', 'ingress', 'job', 'cronjob', 'asset', 'registry'];

test('every core kind is registered exactly once, by the module that owns it', async (t) => {
  const declared: string[] = [];
  for (const [module, entry] of Object.entries(coreModules)) {
    for (const k of (await entry.kinds?.())?.kinds ?? []) declared.push(`${k.name}@${module}`);
  }
  t.deepEqual(declared.map((d) => d.split('@')[0]).sort(), [...CORE, 'app'].sort(), 'each kind declared once');
  t.deepEqual(kinds.storedNames().sort(), [...CORE].sort());
  t.is(kinds.get('deployment')!.module, 'deployment');
  t.is(kinds.get('asset')!.module, 'assets');
  t.is(kinds.get('registry')!.module, 'runtime');
  t.deepEqual(kinds.get('app')!.roles?.expandsTo, ['deployment', 'ingress']);
});

test('a second definition of a kind is refused, naming both owners', (t) => {
  const registry = new KindRegistry(kinds.all());
  t.throws(() => registry.defineFor('community', [{ ...kinds.get('job')!, module: 'x' }]), {
    message: 'kind "job" is defined twice (by job and community); disable one of them in the module config',
  });
});

test('roles are questions to the registry', (t) => {
  t.deepEqual(kinds.withRole('workload').sort(), ['cronjob', 'deployment', 'job', 'statefulset']);
  t.deepEqual(kinds.withRole('longRunning').sort(), ['deployment', 'statefulset']);
  t.deepEqual(kinds.withRole('prunable').sort(), ['asset', 'cronjob', 'deployment', 'ingress', 'job', 'statefulset']);
  t.deepEqual(kinds.withRole('envFile').sort(), ['app', 'cronjob', 'deployment', 'job', 'statefulset']);
});

test('parse accepts singular or plural, in any case', (t) => {
  t.is(kinds.parse('deployment'), 'deployment');
  t.is(kinds.parse('Deployments'), 'deployment');
  t.is(kinds.parse('STATEFULSETS'), 'statefulset');
  t.is(kinds.parse('cronjobs'), 'cronjob');
  t.is(kinds.parse('assets'), 'asset');
  t.is(kinds.parse('registries'), 'registry');
  t.is(kinds.parse('registrys'), 'registry', 'the reference form: a trailing s stripped');
});

test('parse tries ingress as a singular first', (t) => {
  t.is(kinds.parse('ingress'), 'ingress');
  t.is(kinds.parse('Ingress'), 'ingress');
  t.is(kinds.parse('ingresss'), 'ingress');
  t.is(kinds.parse('ingresses'), 'ingress');
});

test('parse rejects sugar and plugin kinds', (t) => {
  t.is(kinds.parse('app'), undefined);
  t.is(kinds.parse('redis'), undefined);
  t.is(kinds.parse(''), undefined);
});

test('scope rules: scoped, optionally scoped, unscoped; plugin kinds optional', (t) => {
  for (const k of ['deployment', 'statefulset', 'ingress', 'job', 'cronjob', 'app']) t.is(kinds.scopeRule(k), 'required', k);
  t.is(kinds.scopeRule('asset'), 'optional');
  t.is(kinds.scopeRule('registry'), 'forbidden');
  t.is(kinds.scopeRule('postgres'), 'optional');
});

test('a kind no module registered and no plugin expands is refused, with the registered kinds listed', async (t) => {
  const deps = { hooks: createHooks(), kinds, configFor: async () => ({}) };
  const err = await t.throwsAsync(expandAll(deps, [{ kind: 'widget', scope: 's', name: 'w', spec: {} }], false));
  t.is(err!.message, 'widget/s/w: unknown kind "widget"; no module or installed plugin expands it (registered kinds: app, asset, cronjob, deployment, ingress, job, registry, statefulset)');
});
