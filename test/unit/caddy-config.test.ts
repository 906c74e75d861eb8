/**
 * The caddy plugin's pure parts (one host may carry several apps on different paths):
 * the route a controller env describes, and the whole Caddy JSON config
 * built from saved routes — upstreams, load balancing with retries, health
 * checks, locations ordered by specificity, shared hosts, TLS policies and
 * the 404 catch-all. The plugin is plain JS; these run it as shipped.
 */
import test from 'ava';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ADMIN_LISTEN,
  DEFAULT_HC_INTERVAL,
  DNS_FAIL_DURATION,
  DNS_REFRESH,
  LETSENCRYPT_CA,
  NOT_FOUND_ROUTE,
  TRY_DURATION,
  TRY_INTERVAL,
  buildConfig,
} from '../../plugins/caddy/lib/config.js';
import { fileURLToPath } from 'node:url';
import { argvFor } from '../../modules/plugins/run.js';
import { loadPluginDir } from '../../modules/plugins/load.js';
import { deleteRoute, listRoutes, putRoute, withLock } from '../../plugins/caddy/lib/store.js';
import { adminEndpoint, adminListen } from '../../plugins/caddy/lib/admin.js';
import { RouteError, parseUpstreams, routeFromEnv, validateRoute, type Route } from '../../plugins/caddy/lib/route.js';

const route = (r: Partial<Route> & { app: string; host: string }): Route => validateRoute({ upstreams: ['172.18.0.5:8080'], ...r });
const server = (cfg: any) => cfg.apps.http.servers.voodu;
const proxyOf = (r: any) => r.handle.find((h: any) => h.handler === 'reverse_proxy');

test('single upstream: admin listen, host matcher, one dial, retries, passive checks, no active check, no TLS, 404 last', (t) => {
  const cfg = buildConfig([route({ app: 'prod-web', host: 'web.example.com' })]);
  t.deepEqual(cfg.admin, { listen: ADMIN_LISTEN });
  const srv = server(cfg);
  t.deepEqual(srv.listen, [':80']);
  t.is(srv.automatic_https, undefined);
  t.is(srv.routes.length, 2);
  t.deepEqual(srv.routes[0].match, [{ host: ['web.example.com'] }]);
  t.true(srv.routes[0].terminal);
  const proxy = proxyOf(srv.routes[0]);
  t.deepEqual(proxy.upstreams, [{ dial: '172.18.0.5:8080' }]);
  t.deepEqual(proxy.load_balancing, { selection_policy: { policy: 'round_robin' }, try_duration: TRY_DURATION, try_interval: TRY_INTERVAL, retry_match: [{ method: ['GET', 'HEAD', 'OPTIONS'] }] });
  t.truthy(proxy.health_checks.passive.fail_duration);
  t.is(proxy.health_checks.active, undefined);
  t.deepEqual(srv.routes.at(-1), NOT_FOUND_ROUTE);
  t.is(srv.routes.at(-1).handle[0].status_code, 404);
  t.is(srv.routes.at(-1).match, undefined);
  t.is(cfg.apps.tls, undefined);
  t.is(cfg.apps.pki, undefined);
});

test('admin API: a unix socket in the state dir by default, loopback http on request, anything else refused', (t) => {
  t.is(ADMIN_LISTEN, 'unix//config/admin.sock');
  const sock = adminEndpoint({}, '/srv/caddy');
  t.like(sock, { kind: 'unix', socketPath: '/srv/caddy/config/admin.sock' });
  t.is(adminListen(sock), ADMIN_LISTEN);
  t.deepEqual(adminEndpoint({ VOODU_CADDY_ADMIN_URL: 'unix:///srv/caddy/config/admin.sock' }, '/srv/caddy'), sock);
  const tcp = adminEndpoint({ VOODU_CADDY_ADMIN_URL: 'http://127.0.0.1:2999/' }, '/srv/caddy');
  t.like(tcp, { kind: 'http', host: '127.0.0.1', port: 2999 });
  t.is(adminListen(tcp), '0.0.0.0:2019');
  t.deepEqual(buildConfig([], { adminListen: adminListen(tcp) }).admin, { listen: '0.0.0.0:2019' });
  t.throws(() => adminEndpoint({ VOODU_CADDY_ADMIN_URL: 'unix:///tmp/other.sock' }, '/srv/caddy'), { message: /must be unix:\/\/\/srv\/caddy\/config\/admin\.sock/ });
  t.throws(() => adminEndpoint({ VOODU_CADDY_ADMIN_URL: 'http://172.18.0.2:2019' }, '/srv/caddy'), { message: /loopback/ });
  t.throws(() => adminEndpoint({ VOODU_CADDY_ADMIN_URL: 'ftp://127.0.0.1' }, '/srv/caddy'), { message: /VOODU_CADDY_ADMIN_URL/ });
  t.throws(() => adminEndpoint({}, `/${'x'.repeat(100)}`), { message: /VOODU_CADDY_STATE_DIR: .*longer than 107 bytes/ });
});

test('a route with a DNS name: Caddy resolves it every second (no per-replica list, no active check), so a rollout changes no config', (t) => {
  const env = { VOODU_APP: 'p-web', VOODU_INGRESS_HOST: 'w.test', VOODU_INGRESS_UPSTREAMS: '["172.18.0.9:8080"]', VOODU_INGRESS_DNS: 'Web.P:8080', VOODU_INGRESS_HC_PATH: '/hc' };
  const r = routeFromEnv(env);
  t.is(r.dns, 'web.p:8080');
  const proxy = proxyOf(server(buildConfig([r])).routes[0]);
  t.deepEqual(proxy.dynamic_upstreams, { source: 'a', name: 'web.p', port: '8080', refresh: DNS_REFRESH });
  t.is(proxy.upstreams, undefined);
  t.is(proxy.health_checks.active, undefined);
  t.is(proxy.health_checks.passive.fail_duration, DNS_FAIL_DURATION);
  const moved = routeFromEnv({ ...env, VOODU_INGRESS_UPSTREAMS: '["172.18.0.4:8080","172.18.0.7:8080"]' });
  t.is(JSON.stringify(buildConfig([moved])), JSON.stringify(buildConfig([r])), 'other replicas, byte-identical config');
  t.throws(() => routeFromEnv({ ...env, VOODU_INGRESS_DNS: 'web p' }), { message: /^dns: / });
});

test('no routes at all: only the 404 catch-all', (t) => {
  const srv = server(buildConfig([]));
  t.deepEqual(srv.routes, [NOT_FOUND_ROUTE]);
});

test('many upstreams: every replica dialled, policy honoured, active check on the HC path at the lb interval', (t) => {
  const r = route({
    app: 'prod-api',
    host: 'api.example.com',
    upstreams: ['172.18.0.5:3000', '172.18.0.6:3000', '172.18.0.7:3000'],
    lb_policy: 'least_conn',
    lb_interval: '2s',
    health_check_path: '/healthz',
  });
  const proxy = proxyOf(server(buildConfig([r])).routes[0]);
  t.deepEqual(
    proxy.upstreams.map((u: any) => u.dial),
    ['172.18.0.5:3000', '172.18.0.6:3000', '172.18.0.7:3000'],
  );
  t.is(proxy.load_balancing.selection_policy.policy, 'least_conn');
  const hashed = proxyOf(server(buildConfig([route({ app: 'h', host: 'h.test', lb_policy: 'client_ip_hash' })])).routes[0]);
  t.is(hashed.load_balancing.selection_policy.policy, 'ip_hash', 'Caddy 2.6 has no client_ip_hash');
  t.is(proxy.load_balancing.try_duration, TRY_DURATION);
  t.deepEqual(proxy.health_checks.active, { uri: '/healthz', interval: '2s', timeout: '2s' });
  t.truthy(proxy.health_checks.passive);
});

test('active health check: HC path alone uses the default interval; interval alone probes /', (t) => {
  const a = proxyOf(server(buildConfig([route({ app: 'a', host: 'a.test', health_check_path: '/up' })])).routes[0]);
  t.deepEqual(a.health_checks.active, { uri: '/up', interval: DEFAULT_HC_INTERVAL, timeout: DEFAULT_HC_INTERVAL });
  const b = proxyOf(server(buildConfig([route({ app: 'b', host: 'b.test', lb_interval: '10' })])).routes[0]);
  t.deepEqual(b.health_checks.active, { uri: '/', interval: '10s', timeout: '10s' });
});

test('locations: path matchers with /*, strip only where asked, longest path first and / last', (t) => {
  const r = route({
    app: 'prod-docs',
    host: 'docs.example.com',
    locations: [{ path: '/' }, { path: '/api', strip: true }, { path: '/api/v1/' }],
  });
  const routes = server(buildConfig([r])).routes;
  t.is(routes.length, 4);
  t.deepEqual(routes[0].match, [{ host: ['docs.example.com'], path: ['/api/v1', '/api/v1/*'] }]);
  t.is(routes[0].handle.length, 1, 'no rewrite without strip');
  t.deepEqual(routes[1].match, [{ host: ['docs.example.com'], path: ['/api', '/api/*'] }]);
  t.deepEqual(routes[1].handle[0], { handler: 'rewrite', strip_path_prefix: '/api' });
  t.is(routes[1].handle[1].handler, 'reverse_proxy');
  t.deepEqual(routes[2].match, [{ host: ['docs.example.com'] }], 'the root location has no path matcher');
  t.true(routes.slice(0, 3).every((x: any) => x.terminal));
});

test('shared host: two apps on one host are ordered by path specificity, not by app name', (t) => {
  const web = route({ app: 'a-web', host: 'shop.test', upstreams: ['172.18.0.2:80'] });
  const api = route({ app: 'z-api', host: 'shop.test', upstreams: ['172.18.0.3:80'], locations: [{ path: '/api', strip: true }] });
  for (const order of [[web, api], [api, web]]) {
    const routes = server(buildConfig(order)).routes;
    t.deepEqual(routes[0].match[0].path, ['/api', '/api/*']);
    t.is(proxyOf(routes[0]).upstreams[0].dial, '172.18.0.3:80');
    t.is(routes[1].match[0].path, undefined);
    t.is(proxyOf(routes[1]).upstreams[0].dial, '172.18.0.2:80');
  }
});

test('specific hosts before wildcard hosts', (t) => {
  const wild = route({ app: 'a', host: '*.example.com', tls: true, tls_provider: 'letsencrypt', on_demand: true, tls_ask: 'http://127.0.0.1:9/ask' });
  const one = route({ app: 'b', host: 'www.example.com' });
  const routes = server(buildConfig([wild, one])).routes.filter((r: any) => r.handle.some((h: any) => h.handler === 'reverse_proxy'));
  t.deepEqual(routes.map((r: any) => r.match[0].host[0]), ['www.example.com', '*.example.com']);
});

test('tls internal: :443 listener, internal issuer policy for the host, redirect on plain HTTP, plain hosts skipped', (t) => {
  const cfg = buildConfig([
    route({ app: 'sec', host: 'sec.test', tls: true, tls_provider: 'internal' }),
    route({ app: 'plain', host: 'plain.test' }),
  ]);
  const srv = server(cfg);
  t.deepEqual(srv.listen, [':80', ':443']);
  t.deepEqual(srv.automatic_https, { disable_redirects: true, skip: ['plain.test'] });
  t.deepEqual(cfg.apps.tls.automation.policies, [{ subjects: ['sec.test'], issuers: [{ module: 'internal' }] }]);
  t.is(cfg.apps.tls.automation.on_demand, undefined);
  t.false(cfg.apps.pki.certificate_authorities.local.install_trust);
  const redirect = srv.routes[0];
  t.deepEqual(redirect.match, [{ host: ['sec.test'], protocol: 'http' }]);
  t.is(redirect.handle[0].status_code, 308);
  t.deepEqual(redirect.handle[0].headers.Location, ['https://{http.request.host}{http.request.uri}']);
  t.false(JSON.stringify(srv.routes).includes('"plain.test"],"protocol"'));
});

test('tls acme: letsencrypt CA and email; policies grouped by provider and email', (t) => {
  const cfg = buildConfig([
    route({ app: 'a', host: 'a.example.com', tls: true, tls_provider: 'letsencrypt', tls_email: 'ops@example.com' }),
    route({ app: 'b', host: 'b.example.com', tls: true, tls_provider: 'letsencrypt', tls_email: 'ops@example.com' }),
    route({ app: 'c', host: 'c.example.com', tls: true, tls_provider: 'letsencrypt', tls_email: 'other@example.com' }),
    route({ app: 'd', host: 'd.example.com', tls: true, tls_provider: 'acme' }),
  ]);
  t.deepEqual(cfg.apps.tls.automation.policies, [
    { subjects: ['a.example.com', 'b.example.com'], issuers: [{ module: 'acme', ca: LETSENCRYPT_CA, email: 'ops@example.com' }] },
    { subjects: ['c.example.com'], issuers: [{ module: 'acme', ca: LETSENCRYPT_CA, email: 'other@example.com' }] },
    { subjects: ['d.example.com'], issuers: [{ module: 'acme' }] },
  ]);
  t.is(cfg.apps.pki, undefined);
  const z = buildConfig([route({ app: 'z', host: 'z.example.com', tls: true, tls_provider: 'zerossl', tls_email: 'ops@example.com' })]);
  t.deepEqual(z.apps.tls.automation.policies[0].issuers, [{ module: 'zerossl', email: 'ops@example.com' }]);
  t.is(server(cfg).automatic_https.skip, undefined, 'every host is a TLS host');
});

test('tls on-demand: policy flagged on_demand, global ask from the first on-demand route', (t) => {
  const cfg = buildConfig([
    route({ app: 'a', host: '*.tenants.test', tls: true, tls_provider: 'letsencrypt', on_demand: true, tls_ask: 'http://127.0.0.1:8080/allowed' }),
    route({ app: 'b', host: 'static.test', tls: true, tls_provider: 'letsencrypt' }),
  ]);
  t.deepEqual(cfg.apps.tls.automation.policies, [
    { subjects: ['*.tenants.test'], issuers: [{ module: 'acme', ca: LETSENCRYPT_CA }], on_demand: true },
    { subjects: ['static.test'], issuers: [{ module: 'acme', ca: LETSENCRYPT_CA }] },
  ]);
  t.deepEqual(cfg.apps.tls.automation.on_demand, { ask: 'http://127.0.0.1:8080/allowed' });
});

test('routes from the controller env: JSON array, comma list, legacy service:port', (t) => {
  const base = { VOODU_APP: 'prod-web', VOODU_INGRESS_HOST: 'Web.Example.com' };
  const r = routeFromEnv({ ...base, VOODU_INGRESS_UPSTREAMS: '["172.18.0.2:80","172.18.0.3:80"]', VOODU_INGRESS_TLS: 'TRUE', VOODU_INGRESS_TLS_PROVIDER: 'internal' });
  t.is(r.host, 'web.example.com');
  t.deepEqual(r.upstreams, ['172.18.0.2:80', '172.18.0.3:80']);
  t.is(r.upstream, '172.18.0.2:80');
  t.true(r.tls);
  t.deepEqual(parseUpstreams({ VOODU_INGRESS_UPSTREAMS: '10.0.0.1:80, 10.0.0.2:80' }), ['10.0.0.1:80', '10.0.0.2:80']);
  t.deepEqual(parseUpstreams({ VOODU_INGRESS_SERVICE: 'web.prod', VOODU_INGRESS_PORT: '3000' }), ['web.prod:3000']);
  t.deepEqual(parseUpstreams({ VOODU_INGRESS_SERVICE: 'web.prod', VOODU_INGRESS_PORT: 'x' }), ['web.prod:80']);
  const l = routeFromEnv({ ...base, VOODU_INGRESS_UPSTREAMS: '["172.18.0.2:80"]', VOODU_INGRESS_LOCATIONS: '[{"path":"/api","strip":true}]' });
  t.deepEqual(l.locations, [{ path: '/api', strip: true }]);
});

test('bad input is refused naming the field and the fix', (t) => {
  const env = { VOODU_APP: 'a', VOODU_INGRESS_HOST: 'a.test', VOODU_INGRESS_UPSTREAMS: '["172.18.0.2:80"]' };
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ ...env, VOODU_APP: '' }, /VOODU_APP not set/],
    [{ ...env, VOODU_APP: '../etc' }, /^app: .*not a valid app id/],
    [{ ...env, VOODU_APP: '.hidden' }, /^app:/],
    [{ ...env, VOODU_INGRESS_LOCATIONS: '[{' }, /^VOODU_INGRESS_LOCATIONS: invalid JSON/],
    [{ ...env, VOODU_INGRESS_LOCATIONS: '[{"path":"api"}]' }, /^locations\[0\]\.path: .*start it with \//],
    [{ ...env, VOODU_INGRESS_LOCATIONS: '[{"path":"/a"},{"path":"/a/"}]' }, /declared twice/],
    [{ ...env, VOODU_INGRESS_UPSTREAMS: '["nope"]' }, /^upstreams\[0\]: .*<ip or name>:<port>/],
    [{ ...env, VOODU_INGRESS_UPSTREAMS: '["1.2.3.4:99999"]' }, /^upstreams\[0\]/],
    [{ ...env, VOODU_INGRESS_UPSTREAMS: '[1' }, /^VOODU_INGRESS_UPSTREAMS: invalid JSON/],
    [{ ...env, VOODU_INGRESS_HOST: 'bad host' }, /^host: /],
    [{ ...env, VOODU_INGRESS_HOST: '' }, /^VOODU_INGRESS_HOST/],
    [{ ...env, VOODU_INGRESS_LB_POLICY: 'fastest' }, /^lb_policy: .*round_robin/],
    [{ ...env, VOODU_INGRESS_LB_INTERVAL: 'soon' }, /^lb_interval: .*5s/],
    [{ ...env, VOODU_INGRESS_TLS: 'true' }, /^tls_provider: TLS is on but no provider/],
    [{ ...env, VOODU_INGRESS_TLS: 'true', VOODU_INGRESS_TLS_PROVIDER: 'self' }, /^tls_provider: .*letsencrypt, zerossl, acme, internal/],
    [{ ...env, VOODU_INGRESS_TLS: 'true', VOODU_INGRESS_TLS_PROVIDER: 'letsencrypt', VOODU_INGRESS_TLS_ON_DEMAND: 'true' }, /^tls_ask: on-demand TLS needs an ask URL/],
    [{ ...env, VOODU_INGRESS_TLS: 'true', VOODU_INGRESS_TLS_PROVIDER: 'letsencrypt', VOODU_INGRESS_TLS_EMAIL: 'x' }, /^tls_email/],
  ];
  for (const [e, re] of cases) {
    const err = t.throws(() => routeFromEnv(e), { instanceOf: RouteError }, JSON.stringify(e));
    t.regex(err!.message, re);
  }
});

test('plugins/caddy loads with the controller\'s loader: name, version, the four commands through the entrypoint, admin URL default', async (t) => {
  const dir = fileURLToPath(new URL('../../plugins/caddy', import.meta.url));
  const p = await loadPluginDir(dir);
  t.is(p.manifest.name, 'caddy');
  t.is(p.manifest.version, '0.1.0');
  t.deepEqual([...p.commands.keys()], ['apply', 'remove', 'list', 'reload']);
  t.true(p.manifest.commands.every((c) => Boolean(c.help)));
  t.deepEqual(p.manifest.env, {}, 'no env in plugin.yml: it would win over the operator\'s (defaults live in the code)');
  t.deepEqual(await argvFor(p, 'apply', ['prod-web']), [`${dir}/bin/voodu-caddy`, 'apply', 'prod-web']);
});

test('route files: atomic put, sorted list, idempotent delete, bad files named; the lock serialises writers', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'voodu-caddy-store-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  t.deepEqual(await listRoutes(dir), [], 'a fresh dir has no routes');
  await putRoute(dir, { app: 'b-web', host: 'b.test', upstreams: ['172.18.0.2:80'] });
  await putRoute(dir, { app: 'a-web', host: 'a.test', upstreams: ['172.18.0.3:80'] });
  t.deepEqual((await listRoutes(dir)).map((r) => r.app), ['a-web', 'b-web']);
  t.deepEqual((await readdir(join(dir, 'routes'))).sort(), ['a-web.json', 'b-web.json'], 'no temp file left behind');
  await t.throwsAsync(putRoute(dir, { app: '../x', host: 'x.test', upstreams: ['1.2.3.4:80'] }), { message: /^app: / });
  await t.throwsAsync(deleteRoute(dir, '../../etc/passwd'), { message: /^app: / });
  t.true(await deleteRoute(dir, 'b-web'));
  t.false(await deleteRoute(dir, 'b-web'));
  await writeFile(join(dir, 'routes', 'c.json'), '{"app":"c","host":"c.test"}');
  await t.throwsAsync(listRoutes(dir), { message: /c\.json: upstreams: .*fix or delete the file/ });
  await rm(join(dir, 'routes', 'c.json'));

  let inside = 0;
  let overlap = false;
  const work = () =>
    withLock(dir, async () => {
      inside++;
      if (inside > 1) overlap = true;
      await new Promise((r) => setTimeout(r, 30));
      inside--;
    });
  await Promise.all([work(), work(), work()]);
  t.false(overlap);
  t.false((await readdir(join(dir, 'routes'))).includes('.lock'));
});
