// The install / uninstall hooks: run Caddy as the voodu-caddy container
// (as the reference's install hook does, but from the locally built image and replacing the container
// only when its settings changed, so re-running install never drops traffic).
import { createHash } from 'node:crypto';
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { adminEndpoint, adminListen, getConfig } from './admin.js';
import { loadRoutes, stateDir } from './commands.js';
import { buildConfig } from './config.js';
import { docker, dockerOk } from './docker.js';
import { listRoutes, withLock } from './store.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const IMAGE = /^[A-Za-z0-9][A-Za-z0-9._/:@-]{0,255}$/;
const LABEL_KEY = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$/;
const SETTINGS_LABEL = 'voodu.caddy.settings';
const INITIAL_CONFIG = 'caddy.json';

function port(env, key, dflt) {
  const raw = (env[key] ?? '').trim() || String(dflt);
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > 65535) throw new Error(`${key}: "${raw}" is not a port (1-65535)`);
  return n;
}

function pick(env, key, dflt, re, example) {
  const v = (env[key] ?? '').trim() || dflt;
  if (!re.test(v)) throw new Error(`${key}: "${v}" is not valid; e.g. ${example}`);
  return v;
}

/** Everything the container is made of, validated; the hash of it labels the container. */
export function settingsFrom(env) {
  const dir = resolve(stateDir(env));
  const admin = adminEndpoint(env, dir);
  const bind = (env.VOODU_CADDY_BIND ?? '').trim();
  if (bind && !isIP(bind)) throw new Error(`VOODU_CADDY_BIND: "${bind}" is not an IP address (leave it empty for every interface)`);
  const labels = {};
  for (const pair of (env.VOODU_CADDY_LABELS ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const i = pair.indexOf('=');
    const key = i > 0 ? pair.slice(0, i) : '';
    if (!LABEL_KEY.test(key)) throw new Error(`VOODU_CADDY_LABELS: "${pair}" is not key=value`);
    labels[key] = pair.slice(i + 1);
  }
  return {
    image: pick(env, 'VOODU_CADDY_IMAGE', 'voodu/caddy:2.6', IMAGE, 'voodu/caddy:2.6'),
    container: pick(env, 'VOODU_CADDY_CONTAINER', 'voodu-caddy', NAME, 'voodu-caddy'),
    network: pick(env, 'VOODU_CADDY_NETWORK', 'voodu0', NAME, 'voodu0'),
    stateDir: dir,
    bind,
    httpPort: port(env, 'VOODU_CADDY_HTTP_PORT', 80),
    httpsPort: port(env, 'VOODU_CADDY_HTTPS_PORT', 443),
    // 0: the admin API is the unix socket in <state>/config, nothing published.
    adminPort: admin.kind === 'http' ? admin.port : 0,
    labels,
  };
}

async function ensureNetwork(name, say) {
  if ((await docker(['network', 'inspect', '--format', '{{.Id}}', name])).code === 0) return;
  const r = await docker(['network', 'create', '--driver', 'bridge', '--label', 'createdby=voodu', name]);
  // Created meanwhile by the controller: fine, that is all we wanted.
  if (r.code !== 0 && !/already exists/.test(r.stderr)) throw new Error(`network ${name}: ${r.stderr.trim()}`);
  say(`created network ${name}`);
}

async function imageId(image, say) {
  let r = await docker(['image', 'inspect', '--format', '{{.Id}}', image]);
  if (r.code !== 0) {
    say(`image ${image} is not present; trying docker pull`);
    r = await docker(['pull', '--quiet', image], { timeoutMs: 300_000 });
    if (r.code === 0) r = await docker(['image', 'inspect', '--format', '{{.Id}}', image]);
    if (r.code !== 0) {
      throw new Error(`image ${image} is not present and cannot be pulled; build it with scripts/build-caddy-image from the voodu repository`);
    }
  }
  return r.stdout.trim();
}

/** Writes the config the container starts with, from the routes already on disk (atomic). */
async function writeInitialConfig(dir, listen) {
  const file = join(dir, 'config', INITIAL_CONFIG);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(buildConfig(await listRoutes(dir), { adminListen: listen }), null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, file);
}

function runArgs(s, hash) {
  const host = (p) => (s.bind ? `${s.bind}:${p}` : String(p));
  const labels = { createdby: 'voodu', 'voodu.role': 'ingress', ...s.labels, [SETTINGS_LABEL]: hash };
  return [
    'run', '--detach', '--name', s.container, '--network', s.network, '--restart', 'unless-stopped',
    ...Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
    '--publish', `${host(s.httpPort)}:80`,
    '--publish', `${host(s.httpsPort)}:443`,
    // The admin API can rewrite every route: a root-only unix socket, or TCP on this host's loopback only.
    ...(s.adminPort ? ['--publish', `127.0.0.1:${s.adminPort}:2019`] : []),
    '--volume', `${join(s.stateDir, 'data')}:/data`,
    '--volume', `${join(s.stateDir, 'config')}:/config`,
    s.image,
    'run', '--config', `/config/${INITIAL_CONFIG}`, '--resume',
  ];
}

/**
 * Before Caddy (re)starts: a socket left by a killed container would make its listen fail, and an
 * autosave from before would let --resume bring back another admin address; the config file just
 * written from the route files is what it starts with.
 */
async function clearStale(dir) {
  await rm(join(dir, 'config', 'admin.sock'), { force: true });
  await rm(join(dir, 'config', 'caddy', 'autosave.json'), { force: true });
}

async function waitForAdmin(base, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      await getConfig(base);
      return;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Caddy's admin API did not answer within ${timeoutMs / 1000}s: ${last?.message ?? ''}`);
}

/**
 * A host port already taken fails `docker run`/`start` in the engine's words; the controller names
 * who holds it, and this says which setting moves Caddy off it.
 */
async function withPortHint(s, pending) {
  try {
    return await pending;
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    if (!/port is already allocated|address already in use/.test(text)) throw err;
    throw new Error(`${text}; Caddy publishes host ports ${s.httpPort} (VOODU_CADDY_HTTP_PORT) and ${s.httpsPort} (VOODU_CADDY_HTTPS_PORT): free them, or set those in the controller's environment to other ports`);
  }
}

/** @returns {Promise<'created' | 'replaced' | 'started' | 'unchanged'>} */
export async function install(env, say = (line) => process.stdout.write(`${line}\n`), { adminTimeoutMs = 30_000 } = {}) {
  const s = settingsFrom(env);
  await ensureNetwork(s.network, say);
  for (const sub of ['data', 'config', 'routes']) await mkdir(join(s.stateDir, sub), { recursive: true });
  // Only root reaches the socket and the certificates.
  for (const sub of ['data', 'config']) await chmod(join(s.stateDir, sub), 0o700);
  const id = await imageId(s.image, say);
  const hash = createHash('sha256').update(JSON.stringify({ ...s, imageId: id })).digest('hex').slice(0, 16);
  const admin = adminEndpoint(env, s.stateDir);
  await writeInitialConfig(s.stateDir, adminListen(admin));

  const current = await docker(['container', 'inspect', '--format', `{{index .Config.Labels "${SETTINGS_LABEL}"}} {{.State.Running}}`, s.container]);
  let outcome;
  if (current.code === 0) {
    const [oldHash, running] = current.stdout.trim().split(' ');
    if (oldHash === hash) {
      outcome = running === 'true' ? 'unchanged' : 'started';
      if (outcome === 'started') {
        await clearStale(s.stateDir);
        await withPortHint(s, dockerOk(['start', s.container], `start ${s.container}`));
      }
    } else {
      await dockerOk(['rm', '--force', s.container], `remove ${s.container}`);
      outcome = 'replaced';
    }
  } else {
    outcome = 'created';
  }
  if (outcome === 'created' || outcome === 'replaced') {
    await clearStale(s.stateDir);
    await withPortHint(s, dockerOk(runArgs(s, hash), `run ${s.container}`));
  }
  say(`container ${s.container} ${outcome} (${s.image}, http ${s.httpPort}, https ${s.httpsPort}, admin ${admin.href})`);

  await waitForAdmin(admin, adminTimeoutMs);
  // --resume may have brought back an older autosave: load what the route files say now.
  const routes = await withLock(s.stateDir, () => loadRoutes(env, admin));
  say(`loaded ${routes.length} route(s) from ${join(s.stateDir, 'routes')}`);
  return outcome;
}

/** Removes the container; the state dir (certificates, routes) stays for the next install. */
export async function uninstall(env, say = (line) => process.stdout.write(`${line}\n`)) {
  const container = pick(env, 'VOODU_CADDY_CONTAINER', 'voodu-caddy', NAME, 'voodu-caddy');
  const r = await docker(['rm', '--force', container]);
  if (r.code !== 0 && !/No such container/i.test(r.stderr)) throw new Error(`remove ${container}: ${r.stderr.trim()}`);
  say(r.code === 0 ? `removed container ${container}; state kept in ${stateDir(env)}` : `no container ${container}`);
}
