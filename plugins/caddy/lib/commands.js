// The four commands the controller runs. Each answers the data of
// the envelope or throws; main.js turns that into stdout and an exit code.
import { adminEndpoint, adminListen, loadConfig } from './admin.js';
import { buildConfig } from './config.js';
import { checkApp, RouteError, routeFromEnv } from './route.js';
import { deleteRoute, listRoutes, putRoute, withLock } from './store.js';

export const DEFAULT_STATE_DIR = '/opt/voodu/caddy';

export function stateDir(env) {
  return (env.VOODU_CADDY_STATE_DIR ?? '').trim() || DEFAULT_STATE_DIR;
}

/** The admin endpoint of this env (validated). */
export function adminOf(env) {
  return adminEndpoint(env, stateDir(env));
}

/** Rebuilds the config from every route on disk and loads it (Caddy skips a load equal to what it runs). */
export async function loadRoutes(env, admin = adminOf(env)) {
  const routes = await listRoutes(stateDir(env));
  await loadConfig(admin, buildConfig(routes, { adminListen: adminListen(admin) }));
  return routes;
}

export async function apply(env) {
  const route = routeFromEnv(env);
  const admin = adminOf(env);
  // The file stays even when the load fails: the next reload (or install) brings it up.
  await withLock(stateDir(env), async () => {
    await putRoute(stateDir(env), route);
    await loadRoutes(env, admin);
  });
  return {
    app: route.app,
    host: route.host,
    upstream: route.upstream,
    upstreams: route.upstreams,
    url: `${route.tls ? 'https' : 'http'}://${route.host}`,
    tls: Boolean(route.tls),
  };
}

export async function remove(env) {
  const app = (env.VOODU_APP ?? '').trim();
  if (!app) throw new RouteError('VOODU_APP not set (controller must export the app name)');
  checkApp(app);
  const admin = adminOf(env);
  await withLock(stateDir(env), async () => {
    await deleteRoute(stateDir(env), app);
    await loadRoutes(env, admin);
  });
  return { app, removed: true };
}

export async function list(env) {
  return { routes: await listRoutes(stateDir(env)) };
}

export async function reload(env) {
  const routes = await withLock(stateDir(env), () => loadRoutes(env));
  return { reloaded: true, routes: routes.length };
}
