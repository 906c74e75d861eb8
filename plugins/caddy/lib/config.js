// Builds Caddy's whole JSON config from every saved route. Pure: same routes
// in, same config out, so `reload` is idempotent and unit-testable.

export const LETSENCRYPT_CA = 'https://acme-v02.api.letsencrypt.org/directory';
// The admin API on the unix socket in the state dir (mounted on /config); see admin.js.
export const ADMIN_LISTEN = 'unix//config/admin.sock';
export const SERVER = 'voodu';
// How long a request keeps trying other replicas when the chosen one refuses
// the connection: a replica stopped by a rolling update costs a retry, not a 502.
export const TRY_DURATION = '5s';
export const TRY_INTERVAL = '250ms';
export const IDEMPOTENT = ['GET', 'HEAD', 'OPTIONS'];
export const DEFAULT_HC_INTERVAL = '5s';
// A replica that refused a connection is skipped this long (passive check).
export const PASSIVE_FAIL_DURATION = '10s';
// Routes with a DNS name ask Docker's DNS for the replicas this often instead of listing them, so
// a rollout changes no Caddy config: a config change restarts Caddy 2.6's servers, which drops
// the odd connection arriving at that moment.
export const DNS_REFRESH = '1s';
// Docker may hand a freed address to the next replica and a replica is in DNS from its start, before
// it listens: a refused dial must not bench an address for long, or every replica can be benched at once.
export const DNS_FAIL_DURATION = '1s';

/** @typedef {import('./route.js').Route} Route */

/** One reverse_proxy handler for a route. */
export function reverseProxy(route) {
  const dns = route.dns ? splitHostPort(route.dns) : undefined;
  const handler = {
    handler: 'reverse_proxy',
    ...(dns
      ? { dynamic_upstreams: { source: 'a', name: dns.host, port: dns.port, refresh: DNS_REFRESH } }
      : { upstreams: route.upstreams.map((dial) => ({ dial })) }),
    load_balancing: {
      selection_policy: { policy: route.lb_policy === 'client_ip_hash' ? 'ip_hash' : (route.lb_policy ?? 'round_robin') },
      try_duration: TRY_DURATION,
      try_interval: TRY_INTERVAL,
      // A replica that exits with a request in flight: a request without side effects is tried again
      // on another replica (the connection reset is not the client's business).
      retry_match: [{ method: IDEMPOTENT }],
    },
    health_checks: {
      passive: { fail_duration: dns ? DNS_FAIL_DURATION : PASSIVE_FAIL_DURATION, max_fails: 1 },
    },
  };
  // Active checks only with a path or interval the operator chose: probing "/" of an app that
  // answers 404 there would mark every replica down. Caddy 2.6 runs them on static upstreams only;
  // with DNS, voodu's readiness gate decides when a replica exists at all.
  if (!dns && (route.health_check_path || route.lb_interval)) {
    const interval = route.lb_interval ?? DEFAULT_HC_INTERVAL;
    handler.health_checks.active = { uri: route.health_check_path ?? '/', interval, timeout: interval };
  }
  return handler;
}

/** `name:port` → `{host, port}` (port as the string Caddy's `a` source wants). */
function splitHostPort(hp) {
  const i = hp.lastIndexOf(':');
  return { host: hp.slice(0, i), port: hp.slice(i + 1) };
}

/** Entries `{host, path, strip, route}` for one route: its locations, or the whole host. */
function entriesOf(route) {
  const locs = route.locations?.length ? route.locations : [{ path: '/' }];
  return locs.map((l) => ({ host: route.host, path: l.path, strip: Boolean(l.strip), route }));
}

const isRoot = (p) => p === '/' || p === '';

/**
 * Specific hosts before wildcards; within a host the longest path first and
 * `/` last, so `/api` and `/` of different ingresses can share a host (only
 * an identical host and path collide). Ties go to the app name, so the
 * order never depends on disk order.
 */
function compareEntries(a, b) {
  const wa = a.host.startsWith('*.') ? 1 : 0;
  const wb = b.host.startsWith('*.') ? 1 : 0;
  if (wa !== wb) return wa - wb;
  if (a.host !== b.host) return a.host < b.host ? -1 : 1;
  const la = isRoot(a.path) ? -1 : a.path.length;
  const lb = isRoot(b.path) ? -1 : b.path.length;
  if (la !== lb) return lb - la;
  if (a.path !== b.path) return a.path < b.path ? -1 : 1;
  return a.route.app < b.route.app ? -1 : a.route.app > b.route.app ? 1 : 0;
}

function httpRoute(e) {
  const match = { host: [e.host] };
  if (!isRoot(e.path)) match.path = [e.path, `${e.path}/*`];
  const handle = [];
  if (e.strip && !isRoot(e.path)) handle.push({ handler: 'rewrite', strip_path_prefix: e.path });
  handle.push(reverseProxy(e.route));
  return { match: [match], handle, terminal: true };
}

/** Plain-HTTP requests for TLS hosts go to HTTPS; other hosts keep serving HTTP. */
export function redirectRoute(hosts) {
  return {
    match: [{ host: hosts, protocol: 'http' }],
    handle: [{ handler: 'static_response', status_code: 308, headers: { Location: ['https://{http.request.host}{http.request.uri}'] } }],
    terminal: true,
  };
}

/** The last route: a host (or path) nobody serves answers 404 rather than Caddy's empty 200. */
export const NOT_FOUND_ROUTE = {
  handle: [{ handler: 'static_response', status_code: 404, body: 'voodu: no route for this host and path\n' }],
  terminal: true,
};

function issuerFor(route) {
  if (route.tls_provider === 'internal') return { module: 'internal' };
  if (route.tls_provider === 'letsencrypt') return { module: 'acme', ca: LETSENCRYPT_CA, ...(route.tls_email ? { email: route.tls_email } : {}) };
  // ZeroSSL's own issuer fetches the EAB credentials it needs from the email.
  if (route.tls_provider === 'zerossl') return { module: 'zerossl', ...(route.tls_email ? { email: route.tls_email } : {}) };
  if (route.tls_provider) return { module: 'acme', ...(route.tls_email ? { email: route.tls_email } : {}) };
  return undefined;
}

/** Automation policies grouped by (provider, email, on_demand), in app order. */
function tlsPolicies(tlsRoutes) {
  const groups = new Map();
  for (const r of tlsRoutes) {
    const key = JSON.stringify([r.tls_provider ?? '', r.tls_email ?? '', Boolean(r.on_demand)]);
    let g = groups.get(key);
    if (!g) {
      g = { subjects: [], route: r };
      groups.set(key, g);
    }
    if (!g.subjects.includes(r.host)) g.subjects.push(r.host);
  }
  return [...groups.values()].map(({ subjects, route }) => {
    const issuer = issuerFor(route);
    return { subjects, ...(issuer ? { issuers: [issuer] } : {}), ...(route.on_demand ? { on_demand: true } : {}) };
  });
}

/**
 * The whole config (the reference's routes plus load balancing with retries, health
 * checks, path-specificity order, a 404 catch-all and TLS only where asked).
 * @param {Route[]} routes
 */
export function buildConfig(routes, { adminListen = ADMIN_LISTEN } = {}) {
  const sorted = [...routes].sort((a, b) => (a.app < b.app ? -1 : a.app > b.app ? 1 : 0));
  const entries = sorted.flatMap(entriesOf).sort(compareEntries);
  const tlsRoutes = sorted.filter((r) => r.tls);
  const tlsHosts = new Set(tlsRoutes.map((r) => r.host));
  const plainHosts = [...new Set(sorted.map((r) => r.host))].filter((h) => !tlsHosts.has(h)).sort();

  const redirects = tlsHosts.size ? [redirectRoute([...tlsHosts].sort())] : [];
  const server = {
    listen: tlsHosts.size ? [':80', ':443'] : [':80'],
    // HTTP/3 would need 443/udp published; don't advertise it.
    protocols: ['h1', 'h2'],
    routes: [...redirects, ...entries.map(httpRoute), NOT_FOUND_ROUTE],
  };
  if (tlsHosts.size) {
    // Certificates only for hosts that asked for TLS. Caddy 2.6 adds no redirect routes to a server
    // that itself listens on :80, so the redirect is ours (ACME challenges are answered before routes).
    server.automatic_https = { disable_redirects: true, ...(plainHosts.length ? { skip: plainHosts } : {}) };
  }

  const apps = { http: { servers: { [SERVER]: server } } };
  if (tlsRoutes.length) {
    const policies = tlsPolicies(tlsRoutes);
    const ask = tlsRoutes.find((r) => r.on_demand && r.tls_ask)?.tls_ask;
    apps.tls = { automation: { policies, ...(ask ? { on_demand: { ask } } : {}) } };
  }
  // The local CA cannot install itself into a trust store inside a minimal container; don't try.
  if (tlsRoutes.some((r) => r.tls_provider === 'internal')) {
    apps.pki = { certificate_authorities: { local: { install_trust: false } } };
  }
  return { admin: { listen: adminListen }, apps };
}
