// Caddy's admin API. POST /load swaps the whole config in one step; Caddy
// skips a load whose JSON equals what it runs, but a real change restarts
// its HTTP servers and Caddy 2.6 may drop a connection arriving just then
// (see README.md: rollouts therefore change no config).
//
// The API can rewrite every route, so by default it listens on a unix socket
// in the state dir (root-only, no TCP at all); an http://127.0.0.1:<port> URL
// is still accepted for operators who want TCP on loopback.
import { request } from 'node:http';
import { isAbsolute, join } from 'node:path';

export const SOCKET_NAME = 'admin.sock';
/** Where the socket is inside the container (`<state>/config` is mounted on /config). */
export const SOCKET_IN_CONTAINER = `/config/${SOCKET_NAME}`;
const TIMEOUT_MS = 10_000;
// sun_path is 108 bytes on Linux, NUL included.
const MAX_SOCKET_PATH = 107;

/**
 * @typedef {{ kind: 'unix', socketPath: string, href: string } | { kind: 'http', host: string, port: number, href: string }} Admin
 */

/** The default socket for a state dir. */
export function defaultSocket(stateDir) {
  return join(stateDir, 'config', SOCKET_NAME);
}

/**
 * The admin endpoint from VOODU_CADDY_ADMIN_URL: unset → the socket in the
 * state dir; `unix://<that path>`; or `http://<loopback>:<port>`.
 * @returns {Admin}
 */
export function adminEndpoint(env, stateDir) {
  const sock = defaultSocket(stateDir);
  const raw = (env.VOODU_CADDY_ADMIN_URL ?? '').trim() || `unix://${sock}`;
  if (raw.startsWith('unix://')) {
    const path = raw.slice('unix://'.length);
    // Caddy creates the socket inside the container's /config, which is <state>/config on the host.
    if (!isAbsolute(path) || path !== sock) {
      throw new Error(`VOODU_CADDY_ADMIN_URL: "${raw}" must be unix://${sock} (the socket lives in VOODU_CADDY_STATE_DIR/config); leave it unset for that default`);
    }
    if (Buffer.byteLength(path) > MAX_SOCKET_PATH) {
      throw new Error(`VOODU_CADDY_STATE_DIR: the admin socket ${path} is longer than ${MAX_SOCKET_PATH} bytes; use a shorter state dir`);
    }
    return { kind: 'unix', socketPath: path, href: raw };
  }
  let url;
  try {
    url = new URL(raw);
  } catch {
    url = null;
  }
  if (!url || url.protocol !== 'http:' || (url.pathname !== '/' && url.pathname !== '')) {
    throw new Error(`VOODU_CADDY_ADMIN_URL: "${raw}" is neither unix://<state>/config/${SOCKET_NAME} nor http://127.0.0.1:<port>; leave it unset for the socket`);
  }
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
    throw new Error(`VOODU_CADDY_ADMIN_URL: "${raw}" must be a loopback URL (http://127.0.0.1:<port>): the admin API can rewrite every route`);
  }
  return { kind: 'http', host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 80), href: raw.replace(/\/+$/, '') };
}

/** What Caddy's config says under admin.listen for this endpoint (inside the container). */
export function adminListen(admin) {
  return admin.kind === 'unix' ? `unix/${SOCKET_IN_CONTAINER}` : '0.0.0.0:2019';
}

function call(admin, method, path, body) {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const target =
    admin.kind === 'unix'
      ? // Caddy 2.6 accepts only an empty Host on a unix socket; node would send "localhost".
        { socketPath: admin.socketPath, setHost: false, headers: { host: '' } }
      : { host: admin.host, port: admin.port, headers: {} };
  if (payload !== undefined) Object.assign(target.headers, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  return new Promise((resolve, reject) => {
    const fail = (why) => reject(new Error(`caddy: ${method} ${path}: admin API at ${admin.href} does not answer (${why}); is the voodu-caddy container running? (re-run the plugin's install hook)`));
    const req = request({ ...target, method, path, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('error', (err) => fail(err.message));
      res.on('end', () => {
        clearTimeout(timer);
        if ((res.statusCode ?? 0) >= 400) reject(new Error(`caddy: ${method} ${path}: ${res.statusCode} ${text.trim().slice(0, 2000)}`));
        else resolve(text);
      });
    });
    // A ref'd timer keeps node waiting for the answer (an unsettled top-level await exits 13) and ends
    // a call stuck on a half-open connection.
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000}s`)), TIMEOUT_MS);
    req.on('error', (err) => {
      clearTimeout(timer);
      fail(err.code ?? err.message);
    });
    req.end(payload);
  });
}

export async function loadConfig(admin, config) {
  await call(admin, 'POST', '/load', config);
}

export async function getConfig(admin) {
  const text = await call(admin, 'GET', '/config/');
  return text.trim() ? JSON.parse(text) : null;
}
