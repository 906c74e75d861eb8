import test from 'ava';
import { fileURLToPath } from 'node:url';
import { API_ONLY, bootController } from '../helpers/controller.js';
import { apiFetch } from '../helpers/http.js';

const fixture = fileURLToPath(new URL('../fixtures/hello-module/index.js', import.meta.url));

test('a community module from a path is loaded with its options, adds a route and taps a hook', async (t) => {
  const ctl = await bootController({
    modules: {
      ...API_ONLY,
      modules: [{ from: fixture, options: { greeting: 'ahoy' } }],
    },
  });
  t.teardown(() => ctl.cleanup());
  t.true(ctl.kernel.modules().includes('hello'));
  const first = (await (await apiFetch(ctl, `/hello?name=voodu`)).json()) as { data: { greeting: string; ticks: number } };
  t.is(first.data.greeting, 'ahoy, voodu');
  // The kernel clock drives the module's onTick tap.
  await new Promise((r) => setTimeout(r, 2300));
  const later = (await (await apiFetch(ctl, `/hello`)).json()) as { data: { ticks: number } };
  t.true(later.data.ticks >= 2, `ticks=${later.data.ticks}`);
});

test('disabled core modules are absent: not registered, no service', async (t) => {
  const ctl = await bootController({ modules: API_ONLY });
  t.teardown(() => ctl.cleanup());
  t.deepEqual(ctl.kernel.modules(), ['kinds', 'paths', 'api', 'pod-api', 'app']);
  t.false(ctl.kernel.services.has('store'));
  t.false(ctl.kernel.services.has('runtime'));
  t.true(ctl.kernel.services.has('api'));
});

test('core module options from the config file reach the module', async (t) => {
  const ctl = await bootController({ modules: { ...API_ONLY, options: { api: { maxBodyBytes: 10 } } } });
  t.teardown(() => ctl.cleanup());
  const api = ctl.kernel.services.get('api', 'test');
  api.route('POST', '/small', (req) => req.body);
  const big = await apiFetch(ctl, `/small`, { method: 'POST', body: '{"aaaaaaaaaaaa":1}', headers: { 'content-type': 'application/json' } });
  t.is(big.status, 413);
  t.regex(((await big.json()) as { error: string }).error, /10 bytes/);
});

test('a community module that is not a module is refused with a clear error', async (t) => {
  const notAModule = fileURLToPath(new URL('../helpers/ports.ts', import.meta.url));
  await t.throwsAsync(bootController({ modules: { ...API_ONLY, modules: [{ from: notAModule }] } }), {
    message: /default export is not a voodu module/,
  });
});
