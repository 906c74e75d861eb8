// A route is what one ingress asks of Caddy; it is stored as one JSON file per
// app. Everything here is checked where it enters (env from the controller,
// files on disk), with errors that name the field and the fix.

/** @typedef {{ path: string, strip?: boolean }} Location */
/**
 * @typedef {object} Route
 * @property {string} app
 * @property {string} host
 * @property {string} upstream           first upstream (kept for the reference's readers)
 * @property {string[]} upstreams
 * @property {string} [dns]              `<name>:<port>` resolving to every replica (Docker DNS); when set, Caddy asks it instead of using `upstreams`
 * @property {string} [lb_policy]
 * @property {string} [lb_interval]
 * @property {string} [health_check_path]
 * @property {Location[]} [locations]
 * @property {boolean} [tls]
 * @property {string} [tls_provider]
 * @property {string} [tls_email]
 * @property {boolean} [on_demand]
 * @property {string} [tls_ask]
 */

export class RouteError extends Error {}

// Selection policies that need no extra options; client_ip_hash (Caddy 2.7+) is served as ip_hash,
// which is the same thing when Caddy is the edge (no trusted proxy in front).
export const LB_POLICIES = ['round_robin', 'least_conn', 'random', 'first', 'ip_hash', 'client_ip_hash', 'uri_hash'];
export const TLS_PROVIDERS = ['letsencrypt', 'zerossl', 'acme', 'internal'];

const APP = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** App names become file names: no separators, no leading dot, no `..`. */
export function checkApp(app) {
  if (typeof app !== 'string' || !APP.test(app) || app.includes('..')) {
    throw new RouteError(`app: "${String(app)}" is not a valid app id (letters, digits, '.', '_', '-'; e.g. prod-web)`);
  }
  return app;
}

export function checkHost(host, field = 'host') {
  const h = typeof host === 'string' ? host.trim().toLowerCase().replace(/\.$/, '') : '';
  const labels = h.split('.');
  const ok = h.length > 0 && h.length <= 253 && labels.every((l, i) => (i === 0 && l === '*' && labels.length > 1) || LABEL.test(l));
  if (!ok) throw new RouteError(`${field}: "${String(host)}" is not a host name (e.g. app.example.com or *.example.com)`);
  return h;
}

/** `<host or ip>:<port>` or `[v6]:<port>`. */
export function checkUpstream(u, field = 'upstreams') {
  const s = typeof u === 'string' ? u.trim() : '';
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})$/.exec(s);
  const port = m ? Number(m[3]) : 0;
  if (!m || port < 1 || port > 65535) {
    throw new RouteError(`${field}: "${String(u)}" is not an upstream; use <ip or name>:<port>, e.g. 172.18.0.5:8080`);
  }
  return s.toLowerCase();
}

export function checkDuration(v, field) {
  const s = String(v).trim();
  const d = /^\d+$/.test(s) ? `${s}s` : s; // a bare number is seconds, as probe periods are
  if (!DURATION.test(d)) throw new RouteError(`${field}: "${s}" is not a duration; use e.g. 5s, 500ms, 1m`);
  return d;
}

export function checkPath(p, field) {
  if (typeof p !== 'string' || !p.startsWith('/') || /[\s*?#%]/.test(p) || p.includes('..') || p.length > 1024) {
    throw new RouteError(`${field}: "${String(p)}" is not a URL path; start it with / and leave out spaces, *, ?, #, % and ..`);
  }
  return p;
}

function checkLocations(list) {
  if (!Array.isArray(list)) throw new RouteError('locations: must be a list of {"path": "/api", "strip": true}');
  const seen = new Set();
  return list.map((loc, i) => {
    if (!loc || typeof loc !== 'object' || Array.isArray(loc)) throw new RouteError(`locations[${i}]: must be an object {"path", "strip"?}`);
    let path = checkPath(loc.path, `locations[${i}].path`);
    if (path.length > 1) path = path.replace(/\/+$/, '') || '/';
    if (loc.strip !== undefined && typeof loc.strip !== 'boolean') throw new RouteError(`locations[${i}].strip: must be true or false`);
    if (seen.has(path)) throw new RouteError(`locations[${i}].path: "${path}" is declared twice`);
    seen.add(path);
    return loc.strip ? { path, strip: true } : { path };
  });
}

/** Validates and normalises a route (from env or from disk); returns a clean copy. */
export function validateRoute(r) {
  if (!r || typeof r !== 'object') throw new RouteError('route: must be an object');
  /** @type {Route} */
  const out = { app: checkApp(r.app), host: checkHost(r.host), upstream: '', upstreams: [] };
  const ups = Array.isArray(r.upstreams) && r.upstreams.length ? r.upstreams : r.upstream ? [r.upstream] : [];
  if (!ups.length) throw new RouteError('upstreams: at least one <ip>:<port> is needed (the app has no running replica?)');
  out.upstreams = [...new Set(ups.map((u, i) => checkUpstream(u, `upstreams[${i}]`)))];
  out.upstream = out.upstreams[0];
  if (r.dns) out.dns = checkUpstream(r.dns, 'dns');
  if (r.lb_policy) {
    if (!LB_POLICIES.includes(r.lb_policy)) throw new RouteError(`lb_policy: "${r.lb_policy}" is not supported; use one of ${LB_POLICIES.join(', ')}`);
    out.lb_policy = r.lb_policy;
  }
  if (r.lb_interval) out.lb_interval = checkDuration(r.lb_interval, 'lb_interval');
  if (r.health_check_path) out.health_check_path = checkPath(r.health_check_path, 'health_check_path');
  if (r.locations !== undefined && r.locations !== null) {
    const locs = checkLocations(r.locations);
    if (locs.length) out.locations = locs;
  }
  if (r.tls) {
    out.tls = true;
    if (!r.tls_provider) throw new RouteError(`tls_provider: TLS is on but no provider is set; use one of ${TLS_PROVIDERS.join(', ')}`);
    if (!TLS_PROVIDERS.includes(r.tls_provider)) throw new RouteError(`tls_provider: "${r.tls_provider}" is not supported; use one of ${TLS_PROVIDERS.join(', ')}`);
    out.tls_provider = r.tls_provider;
    if (r.tls_email) {
      if (!EMAIL.test(r.tls_email)) throw new RouteError(`tls_email: "${r.tls_email}" is not an email address`);
      out.tls_email = r.tls_email;
    }
    if (r.on_demand) {
      if (!r.tls_ask) throw new RouteError('tls_ask: on-demand TLS needs an ask URL (tls { ask = "http://…/allowed" }) so strangers cannot make Caddy issue certificates');
      let ask;
      try {
        ask = new URL(r.tls_ask);
      } catch {
        ask = null;
      }
      if (!ask || !['http:', 'https:'].includes(ask.protocol)) throw new RouteError(`tls_ask: "${r.tls_ask}" is not an http(s) URL`);
      out.on_demand = true;
      out.tls_ask = r.tls_ask;
    }
  }
  return out;
}

const truthy = (v) => typeof v === 'string' && v.trim().toLowerCase() === 'true';

/** Upstreams as the controller sends them: a JSON array, a comma list, or (legacy) none → `<service>:<port>`. */
export function parseUpstreams(env) {
  const raw = (env.VOODU_INGRESS_UPSTREAMS ?? '').trim();
  if (raw.startsWith('[')) {
    let list;
    try {
      list = JSON.parse(raw);
    } catch (err) {
      throw new RouteError(`VOODU_INGRESS_UPSTREAMS: invalid JSON: ${err.message}`);
    }
    if (!Array.isArray(list) || list.some((u) => typeof u !== 'string')) {
      throw new RouteError('VOODU_INGRESS_UPSTREAMS: must be a JSON array of "<ip>:<port>" strings');
    }
    if (list.length) return list;
  } else if (raw) {
    return raw.split(',').map((s) => s.trim()).filter(Boolean);
  }
  const service = (env.VOODU_INGRESS_SERVICE ?? '').trim();
  if (!service) throw new RouteError('VOODU_INGRESS_UPSTREAMS: empty, and no VOODU_INGRESS_SERVICE to fall back to');
  const port = Number.parseInt(env.VOODU_INGRESS_PORT ?? '', 10);
  return [`${service}:${port > 0 ? port : 80}`];
}

/** The route `apply` saves, from the controller's env (docs/plugin-protocol.md, ingress). */
export function routeFromEnv(env) {
  const app = (env.VOODU_APP ?? '').trim();
  if (!app) throw new RouteError('VOODU_APP not set (controller must export the app name)');
  let locations;
  const rawLocs = (env.VOODU_INGRESS_LOCATIONS ?? '').trim();
  if (rawLocs) {
    try {
      locations = JSON.parse(rawLocs);
    } catch (err) {
      throw new RouteError(`VOODU_INGRESS_LOCATIONS: invalid JSON: ${err.message}`);
    }
  }
  const host = (env.VOODU_INGRESS_HOST ?? '').trim();
  if (!host) throw new RouteError('VOODU_INGRESS_HOST: not set; the ingress needs a host');
  return validateRoute({
    app,
    host,
    upstreams: parseUpstreams(env),
    dns: env.VOODU_INGRESS_DNS?.trim() || undefined,
    lb_policy: env.VOODU_INGRESS_LB_POLICY?.trim() || undefined,
    lb_interval: env.VOODU_INGRESS_LB_INTERVAL?.trim() || undefined,
    health_check_path: env.VOODU_INGRESS_HC_PATH?.trim() || undefined,
    locations,
    tls: truthy(env.VOODU_INGRESS_TLS),
    tls_provider: env.VOODU_INGRESS_TLS_PROVIDER?.trim() || undefined,
    tls_email: env.VOODU_INGRESS_TLS_EMAIL?.trim() || undefined,
    on_demand: truthy(env.VOODU_INGRESS_TLS_ON_DEMAND),
    tls_ask: env.VOODU_INGRESS_TLS_ASK?.trim() || undefined,
  });
}
