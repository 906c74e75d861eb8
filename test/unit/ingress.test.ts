/** Ingress resolution, plugin env and (host, path) collisions. */
import test from 'ava';
import { ValidationError } from '../../lib/errors.js';
import { checkCollisions, normalisePath, routeKeys } from '../../modules/ingress/collisions.js';
import { containerPort, envHash, ingressEnv, resolveHcPath, resolveLbInterval, resolvePort } from '../../modules/ingress/resolve.js';

test('port: spec.port, else the first container port (host part and /udp dropped), else 80', (t) => {
  t.is(resolvePort({ port: 9000 }, { ports: ['8080:3000'] }), 9000);
  t.is(resolvePort({}, { ports: ['8080:3000', '9999'] }), 3000);
  t.is(resolvePort({ port: 0 }, { ports: ['127.0.0.1:53:5353/udp'] }), 5353);
  t.is(resolvePort({}, { ports: ['8080'] }), 8080);
  t.is(resolvePort({}, {}), 80);
  t.is(resolvePort({}, { ports: [] }), 80);
  t.is(containerPort('garbage'), undefined);
  t.is(resolvePort({}, { ports: ['x:y'] }), 80);
});

test('health-check path: readiness http_get.path, else health_check, else none', (t) => {
  t.is(resolveHcPath({ probes: { readiness: { http_get: { path: '/ready', port: 80 } } }, health_check: '/hc' }), '/ready');
  t.is(resolveHcPath({ probes: { readiness: { tcp_socket: { port: 80 } } }, health_check: '/hc' }), '/hc');
  t.is(resolveHcPath({}), '');
});

test('lb interval: ingress lb.interval, else the http readiness period, else none', (t) => {
  const target = { probes: { readiness: { http_get: { path: '/r', port: 80 }, period: '5s' } } };
  t.is(resolveLbInterval({ lb: { interval: '2s' } }, target), '2s');
  t.is(resolveLbInterval({}, target), '5s');
  t.is(resolveLbInterval({}, { probes: { readiness: { tcp_socket: { port: 80 }, period: '5s' } } }), '');
  t.is(resolveLbInterval({}, {}), '');
});

test('env: every set field, upstreams sorted as JSON, TLS and locations only when declared', (t) => {
  const route = { appId: 'prod-web', scope: 'Prod', service: 'web', port: 3000, upstreams: ['172.18.0.9:3000', '172.18.0.3:3000'], hcPath: '/hc', lbInterval: '' };
  const full = ingressEnv(
    {
      host: 'app.example.com',
      tls: { enabled: true, provider: 'letsencrypt', email: 'ops@example.com', on_demand: true, ask: 'http://127.0.0.1:9/ask' },
      locations: [{ path: '/api', strip: true }, { path: '/' }],
      lb: { policy: 'least_conn', interval: '3s' },
    },
    { ...route, lbInterval: '3s' },
  );
  t.deepEqual(full, {
    VOODU_APP: 'prod-web',
    VOODU_INGRESS_HOST: 'app.example.com',
    VOODU_INGRESS_SERVICE: 'web',
    VOODU_INGRESS_PORT: '3000',
    VOODU_INGRESS_UPSTREAMS: '["172.18.0.3:3000","172.18.0.9:3000"]',
    VOODU_INGRESS_DNS: 'web.prod:3000',
    VOODU_INGRESS_LB_POLICY: 'least_conn',
    VOODU_INGRESS_LB_INTERVAL: '3s',
    VOODU_INGRESS_HC_PATH: '/hc',
    VOODU_INGRESS_TLS: 'true',
    VOODU_INGRESS_TLS_PROVIDER: 'letsencrypt',
    VOODU_INGRESS_TLS_EMAIL: 'ops@example.com',
    VOODU_INGRESS_TLS_ASK: 'http://127.0.0.1:9/ask',
    VOODU_INGRESS_TLS_ON_DEMAND: 'true',
    VOODU_INGRESS_LOCATIONS: '[{"path":"/api","strip":true},{"path":"/"}]',
  });
  const bare = ingressEnv({ host: 'a.test', tls: { enabled: false, provider: 'internal' } }, { ...route, hcPath: '' });
  t.deepEqual(Object.keys(bare).sort(), ['VOODU_APP', 'VOODU_INGRESS_DNS', 'VOODU_INGRESS_HOST', 'VOODU_INGRESS_PORT', 'VOODU_INGRESS_SERVICE', 'VOODU_INGRESS_UPSTREAMS']);
  t.is(ingressEnv({ host: 'a.test' }, { ...route, scope: '', service: 'Web' }).VOODU_INGRESS_DNS, 'web:3000', 'unscoped: the bare name alias');
});

test('env hash: insertion order does not matter, any value or the plugin does', (t) => {
  const a = envHash('caddy', { A: '1', B: '2' });
  t.is(a, envHash('caddy', { B: '2', A: '1' }));
  t.not(a, envHash('caddy', { A: '1', B: '3' }));
  t.not(a, envHash('other', { A: '1', B: '2' }));
  t.regex(a, /^[0-9a-f]{16}$/);
});

const ing = (scope: string, name: string, host: string, paths?: string[]) => ({
  ref: { kind: 'ingress', scope, name },
  spec: { host, ...(paths ? { locations: paths.map((path) => ({ path })) } : {}) },
});

test('collisions: an identical (host, path) pair is refused naming both, in the batch or against the store', (t) => {
  const inBatch = t.throws(() => checkCollisions([ing('a', 'one', 'x.test'), ing('b', 'two', 'X.test')], []), { instanceOf: ValidationError });
  t.regex(inBatch!.message, /ingress\/b\/two.*"x\.test".*"\/".*ingress\/a\/one/);
  const stored = t.throws(() => checkCollisions([ing('a', 'new', 'x.test', ['/api/'])], [ing('a', 'old', 'x.test', ['/api', '/'])]), { instanceOf: ValidationError });
  t.regex(stored!.message, /ingress\/a\/new.*"\/api".*ingress\/a\/old/);
});

test('collisions: different paths on one host are fine; re-applying an ingress does not collide with itself', (t) => {
  t.notThrows(() => checkCollisions([ing('a', 'api', 'x.test', ['/api']), ing('a', 'web', 'x.test')], []));
  t.notThrows(() => checkCollisions([ing('a', 'web', 'x.test')], [ing('a', 'web', 'x.test')]));
  t.notThrows(() => checkCollisions([ing('a', 'web', 'y.test')], [ing('a', 'web', 'x.test'), ing('a', 'other', 'x.test', ['/o'])]));
  // The batch moves web to y.test: x.test / is free for another ingress in the same batch.
  t.notThrows(() => checkCollisions([ing('a', 'web', 'y.test'), ing('a', 'new', 'x.test')], [ing('a', 'web', 'x.test')]));
});

test('route keys: no location is the root; trailing slashes and duplicates fold', (t) => {
  t.deepEqual(routeKeys({ host: 'A.test' }), ['a.test /']);
  t.deepEqual(routeKeys({ host: 'a.test', locations: [{ path: '/api/' }, { path: '/api' }, { path: '' }] }), ['a.test /api', 'a.test /']);
  t.is(normalisePath('/'), '/');
});
