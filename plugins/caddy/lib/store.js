// Route files: `<state>/routes/<app>.json`, one per app, written atomically
// so a crash or a concurrent `list` never sees half a file.
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkApp, validateRoute } from './route.js';

export function routesDir(stateDir) {
  return join(stateDir, 'routes');
}

export async function putRoute(stateDir, route) {
  const clean = validateRoute(route);
  const dir = routesDir(stateDir);
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${clean.app}.json`);
  const tmp = join(dir, `.${clean.app}.json.${process.pid}.tmp`);
  await writeFile(tmp, `${JSON.stringify(clean, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, file);
  return clean;
}

/** True when a file was removed; a missing one is fine (remove is idempotent). */
export async function deleteRoute(stateDir, app) {
  const file = join(routesDir(stateDir), `${checkApp(app)}.json`);
  const existed = await stat(file).then(() => true, () => false);
  await rm(file, { force: true });
  return existed;
}

/** Every saved route, sorted by app. A file that fails validation is an error naming it. */
export async function listRoutes(stateDir) {
  const dir = routesDir(stateDir);
  const names = await readdir(dir).catch((err) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
  const routes = [];
  for (const name of names.filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort()) {
    const path = join(dir, name);
    let route;
    try {
      route = validateRoute(JSON.parse(await readFile(path, 'utf8')));
    } catch (err) {
      throw new Error(`${path}: ${err.message} (fix or delete the file, then run reload)`);
    }
    if (`${route.app}.json` !== name) throw new Error(`${path}: holds app "${route.app}"; the file must be named ${route.app}.json`);
    routes.push(route);
  }
  return routes.sort((a, b) => (a.app < b.app ? -1 : a.app > b.app ? 1 : 0));
}

/**
 * Runs fn holding `<state>/routes/.lock`, so two applies at once cannot load
 * configs built from different route sets in the wrong order. A lock older
 * than `staleMs` belongs to a killed process and is taken over.
 */
export async function withLock(stateDir, fn, { waitMs = 30_000, staleMs = 60_000 } = {}) {
  const dir = routesDir(stateDir);
  await mkdir(dir, { recursive: true });
  const lock = join(dir, '.lock');
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const fh = await open(lock, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      const age = await stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > staleMs) {
        await rm(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`${lock} is held by another voodu-caddy; if none is running, delete the file`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { force: true });
  }
}
