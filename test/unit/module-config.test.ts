import test from 'ava';
import { parseModuleConfig } from '../../lib/module-config.js';

const core = ['paths', 'store', 'runtime', 'api'];
const parse = (raw: unknown) => parseModuleConfig(raw, '/opt/voodu/modules.json', core);

test('a full config parses, relative paths resolve against its directory', (t) => {
  const config = parse({
    disable: ['runtime'],
    options: { api: { maxBodyBytes: 2048 } },
    modules: [{ from: './hello.js', options: { a: 1 } }, { from: 'voodu-module-x', enabled: false }],
  });
  t.deepEqual(config.disable, ['runtime']);
  t.deepEqual(config.options.api, { maxBodyBytes: 2048 });
  t.is(config.baseDir, '/opt/voodu');
  t.is(config.modules.length, 2);
  t.is(config.modules[1]!.enabled, false);
});

test('errors name the file, the field and what is accepted', (t) => {
  t.throws(() => parse({ disabled: [] }), { message: '/opt/voodu/modules.json: disabled: unknown key; accepted: disable, options, modules' });
  t.throws(() => parse({ disable: ['autoscalr'] }), { message: /disable: "autoscalr" is not a core module; core modules: paths, store, runtime, api/ });
  t.throws(() => parse({ options: { hello: {} } }), { message: /options\.hello: "hello" is not a core module/ });
  t.throws(() => parse({ options: { api: 3 } }), { message: /options\.api: must be an object/ });
  t.throws(() => parse({ modules: [{ path: 'x' }] }), { message: /modules\[0\]\.path: unknown key/ });
  t.throws(() => parse({ modules: [{ from: '' }] }), { message: /modules\[0\]\.from: must be an npm package name or a file path/ });
  t.throws(() => parse([]), { message: /must be a JSON object/ });
});
