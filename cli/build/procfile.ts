/**
 * Procfile mode: `voodu apply -f Procfile` for apps coming from Heroku or
 * Dokku. A directory holding a `Procfile` (and optionally `.voodu/app.json`)
 * becomes manifests, so nobody has to write HCL before the first deploy:
 *
 *   - every `type: command` line is a deployment `<scope>/<type>`, except
 *     `release` (Heroku's one-shot release phase), which is a job;
 *   - commands run through `/bin/sh -c`, since Procfiles lean on `$PORT`,
 *     `VAR=val` prefixes and pipes, none of which an argv list expands;
 *   - no process name means "the HTTP one", so every deployment gets its own
 *     port (5000, 5001, … in declaration order) as both `PORT` and a
 *     published port, whether the app reads `$PORT` or `ENV['PORT']`;
 *   - deployments restart on failure only: the default `unless-stopped` would
 *     loop a process that exits 0 on purpose;
 *   - the directory is built once and the image tagged for each process, so
 *     deployments are in build mode and the release job names its tag.
 *
 * `.voodu/app.json` ties the checkout to a scope — without it every apply
 * would invent a new scope and stack duplicate resources instead of
 * reconciling — and declares what a Procfile cannot say: per-process
 * ingresses (host, TLS, paths). It is machine-written and meant to be
 * committed; keys this file does not know are kept when it rewrites it.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Manifest } from '../../lib/identity.js';
import { isPlainObject } from '../../lib/manifest/decoders.js';
import { validateManifest, type KindRegistry } from '../../lib/manifest/index.js';
import { segmentProblem } from '../../lib/manifest/values.js';
import { coreKindRegistry } from '../../modules/core.js';
import { CliError } from '../client.js';

export interface ProcessType {
  /** As written (`web`, `Release`); a deployment's name is exactly this. */
  type: string;
  /** Verbatim, shell features intact. */
  command: string;
  /** 1-based line of the Procfile. */
  line: number;
}

export interface ProcfileApp {
  scope: string;
  /** The directory holding the Procfile (absolute): the build context. */
  dir: string;
  /** Deployments in Procfile order, then the release job, then ingresses in app.json order. */
  manifests: Manifest[];
  /** Names whose image the one build is tagged for (`<scope>-<name>`): every deployment, and `release` when present. */
  imageNames: string[];
  /** Whether app.json was created or changed (the scope was written). */
  wroteAppJson: boolean;
}

export interface ProcfileOptions {
  /** `--app`: the scope; wins over app.json's and is saved there. */
  app?: string;
  /** Uniform in [0, 1), for the random scope; default crypto-random. */
  random?: () => number;
  /** Kinds the manifests are validated with; default the core modules' kinds. */
  kinds?: KindRegistry;
}

/** The one process type with a meaning of its own: a job run once per release. */
export const RELEASE_TYPE = 'release';
/** The first auto-assigned port; the next process gets the next one. */
export const BASE_PORT = 5000;
export const APP_JSON = join('.voodu', 'app.json');

const TYPE = /^[A-Za-z][A-Za-z0-9_-]*$/;
const RESTART = 'on-failure';
const SCOPE_FIRST = 'abcdefghijklmnopqrstuvwxyz';
const SCOPE_REST = 'abcdefghijklmnopqrstuvwxyz0123456789';
const INGRESS_KEYS = ['host', 'service', 'port', 'tls', 'lb', 'location', 'locations'];
const LOCATION_KEYS = ['path', 'strip', 'strip_prefix'];

export { isProcfilePath } from './targets.js';

/** `type: command` lines in order; blank lines and `#` comments are skipped. */
export function parseProcfile(text: string, file: string): ProcessType[] {
  const out: ProcessType[] = [];
  const seen = new Map<string, number>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const line = i + 1;
    const trimmed = raw.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    const at = `${file}:${line}`;
    const colon = trimmed.indexOf(':');
    if (colon < 0) {
      throw new CliError(`${at}: expected "<type>: <command>", got ${JSON.stringify(trimmed)}; write one process per line, e.g. web: npm start`);
    }
    const type = trimmed.slice(0, colon).trim();
    const command = trimmed.slice(colon + 1).trim();
    if (!TYPE.test(type)) {
      throw new CliError(`${at}: process type ${JSON.stringify(type)} is not valid; use letters, digits, '-' or '_', starting with a letter (e.g. web, worker)`);
    }
    if (!command) throw new CliError(`${at}: process ${JSON.stringify(type)} has no command; write ${type}: <command>, or remove the line`);
    const key = type.toLowerCase();
    const first = seen.get(key);
    if (first !== undefined) {
      throw new CliError(`${at}: duplicate process type ${JSON.stringify(type)} (already declared at line ${first}; types are case-insensitive); rename or remove one`);
    }
    seen.set(key, line);
    out.push({ type, command, line });
  }
  if (!out.length) throw new CliError(`${file}: no processes declared; add a line such as web: npm start`);
  return out;
}

const isRelease = (p: ProcessType) => p.type.toLowerCase() === RELEASE_TYPE;
const shell = (command: string) => ['/bin/sh', '-c', command];

/** What app.json says about one process's ingress, checked but not yet defaulted. */
interface AppIngress {
  host: string;
  service?: string;
  port?: number;
  tls?: unknown;
  lb?: unknown;
  locations: { path: unknown; strip?: boolean }[];
}

interface AppJson {
  /** The file's object as read, kept whole for rewriting; undefined when there is no file. */
  raw?: Record<string, unknown>;
  scope?: string;
  ingress: Map<string, AppIngress>;
}

async function readAppJson(path: string, display: string): Promise<AppJson> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ingress: new Map() };
    throw new CliError(`${display}: cannot read: ${(err as Error).message}`);
  }
  let value: unknown = {};
  if (text.trim()) {
    try {
      value = JSON.parse(text.replace(/^\uFEFF/, ''));
    } catch (err) {
      throw new CliError(`${display}: not valid JSON: ${(err as Error).message}; fix the file or delete it to start over`);
    }
  }
  if (!isPlainObject(value)) throw new CliError(`${display}: must be a JSON object such as {"scope": "shop"}`);
  let scope: string | undefined;
  if (value.scope !== undefined && value.scope !== null) {
    if (typeof value.scope !== 'string') throw new CliError(`${display}: scope must be a string, e.g. "scope": "shop"`);
    scope = value.scope.trim() || undefined;
    const problem = scope === undefined ? undefined : segmentProblem(scope);
    if (problem) throw new CliError(`${display}: scope ${problem}`);
  }
  const ingress = new Map<string, AppIngress>();
  if (value.ingress !== undefined && value.ingress !== null) {
    if (!isPlainObject(value.ingress)) {
      throw new CliError(`${display}: ingress must be an object keyed by process, e.g. "ingress": {"web": {"host": "app.example.com"}}`);
    }
    for (const [proc, entry] of Object.entries(value.ingress)) ingress.set(proc, appIngress(entry, `${display}: ingress.${proc}`));
  }
  return { raw: value, ...(scope ? { scope } : {}), ingress };
}

function appIngress(entry: unknown, where: string): AppIngress {
  if (!isPlainObject(entry)) throw new CliError(`${where}: must be an object such as {"host": "app.example.com"}`);
  for (const key of Object.keys(entry)) {
    if (!INGRESS_KEYS.includes(key)) throw new CliError(`${where}.${key}: unknown field; an ingress entry has ${INGRESS_KEYS.join(', ')}`);
  }
  const { host, service, port, tls, lb, location, locations } = entry;
  if (typeof host !== 'string' || !host.trim()) {
    throw new CliError(`${where}.host: is required, the domain this process serves (e.g. "host": "app.example.com")`);
  }
  if (service !== undefined && typeof service !== 'string') throw new CliError(`${where}.service: must be a string, the deployment to route to`);
  if (port !== undefined && (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)) {
    throw new CliError(`${where}.port: must be a whole number from 1 to 65535, the port the process listens on`);
  }
  const locs: AppIngress['locations'] = [];
  if (location !== undefined) locs.push(appLocation(location, `${where}.location`));
  if (locations !== undefined) {
    if (!Array.isArray(locations)) throw new CliError(`${where}.locations: must be a list such as [{"path": "/api", "strip": true}]`);
    locations.forEach((l, i) => locs.push(appLocation(l, `${where}.locations[${i}]`)));
  }
  return {
    host,
    ...(service ? { service } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(tls !== undefined ? { tls } : {}),
    ...(lb !== undefined ? { lb } : {}),
    locations: locs,
  };
}

function appLocation(v: unknown, where: string): AppIngress['locations'][number] {
  if (!isPlainObject(v)) throw new CliError(`${where}: must be an object such as {"path": "/api", "strip": true}`);
  for (const key of Object.keys(v)) {
    if (!LOCATION_KEYS.includes(key)) throw new CliError(`${where}.${key}: unknown field; a location has path and strip (or strip_prefix)`);
  }
  for (const key of ['strip', 'strip_prefix'] as const) {
    if (v[key] !== undefined && typeof v[key] !== 'boolean') throw new CliError(`${where}.${key}: must be true or false`);
  }
  // `strip_prefix` is the friendlier spelling of the spec's `strip`.
  const given = v.strip !== undefined || v.strip_prefix !== undefined;
  return { path: v.path, ...(given ? { strip: v.strip === true || v.strip_prefix === true } : {}) };
}

function randomScope(random: () => number): string {
  const pick = (alphabet: string) => alphabet[Math.min(alphabet.length - 1, Math.max(0, Math.floor(random() * alphabet.length)))]!;
  return pick(SCOPE_FIRST) + pick(SCOPE_REST) + pick(SCOPE_REST);
}

const cryptoRandom = () => randomBytes(4).readUInt32BE(0) / 2 ** 32;

/** `--app`, else app.json's scope, else a new random one; `changed` when app.json does not hold it yet. */
function chooseScope(app: AppJson, options: ProcfileOptions): { scope: string; changed: boolean } {
  if (options.app !== undefined) {
    const problem = segmentProblem(options.app);
    if (problem) throw new CliError(`--app: ${problem}`);
    return { scope: options.app, changed: options.app !== app.scope };
  }
  if (app.scope) return { scope: app.scope, changed: false };
  return { scope: randomScope(options.random ?? cryptoRandom), changed: true };
}

/** Saves `scope` into app.json, keeping every other key of the file. */
async function saveScope(app: AppJson, scope: string, path: string, display: string): Promise<void> {
  const raw = app.raw ?? {};
  // A new scope key goes first, where a reader looks; an existing one keeps its place.
  const next = 'scope' in raw ? { ...raw, scope } : { scope, ...raw };
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, `${JSON.stringify(next, null, 2)}\n`);
  } catch (err) {
    throw new CliError(`${display}: cannot save the scope: ${(err as Error).message}; pass --app to choose one`);
  }
}

/** Ports: a process whose ingress names one keeps it; the others count up from BASE_PORT, past the pinned ones. */
function assignPorts(deployments: ProcessType[], ingress: Map<string, AppIngress>, display: string): Map<string, number> {
  const pinned = new Map<number, string>();
  for (const p of deployments) {
    const port = ingress.get(p.type)?.port;
    if (port === undefined) continue;
    const other = pinned.get(port);
    if (other) throw new CliError(`${display}: ingress.${other} and ingress.${p.type} both pin port ${port}; each process needs a port of its own`);
    pinned.set(port, p.type);
  }
  const ports = new Map<string, number>();
  let next = BASE_PORT;
  for (const p of deployments) {
    let port = ingress.get(p.type)?.port;
    if (port === undefined) {
      while (pinned.has(next)) next++;
      port = next++;
    }
    ports.set(p.type, port);
  }
  return ports;
}

/** Reads the Procfile and `.voodu/app.json` next to it; the manifests they stand for, validated by their kinds. */
export async function procfileApp(procfilePath: string, options: ProcfileOptions = {}): Promise<ProcfileApp> {
  const dir = dirname(resolve(procfilePath));
  let text: string;
  try {
    text = await readFile(procfilePath, 'utf8');
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new CliError(missing ? `${procfilePath}: no such file; run from the app's directory or pass -f <dir>/Procfile` : `${procfilePath}: cannot read: ${(err as Error).message}`);
  }
  const procs = parseProcfile(text, procfilePath);
  const appDisplay = join(dirname(procfilePath), APP_JSON);
  const app = await readAppJson(join(dir, APP_JSON), appDisplay);

  const deployments = procs.filter((p) => !isRelease(p));
  const release = procs.find(isRelease);
  for (const p of deployments) {
    // The type names a resource and an image tag: lowercase only.
    const problem = segmentProblem(p.type);
    if (problem) throw new CliError(`${procfilePath}:${p.line}: process type ${JSON.stringify(p.type)} cannot name a deployment: ${problem}; rename the process (e.g. ${p.type.toLowerCase().replace(/[^a-z0-9]+$/, '') || 'web'})`);
  }
  for (const proc of app.ingress.keys()) {
    if (deployments.some((p) => p.type === proc)) continue;
    const what = release && proc.toLowerCase() === RELEASE_TYPE ? 'is the one-shot release job, which serves no traffic' : 'is not a process of the Procfile';
    const names = deployments.map((p) => p.type).join(', ') || 'none';
    throw new CliError(`${appDisplay}: ingress.${proc}: ${JSON.stringify(proc)} ${what}; key an ingress by a long-running process (${names})`);
  }

  const { scope, changed } = chooseScope(app, options);
  const kinds = options.kinds ?? (await coreKindRegistry());
  const ports = assignPorts(deployments, app.ingress, appDisplay);
  const manifests: Manifest[] = [];
  for (const p of deployments) {
    const port = String(ports.get(p.type));
    const m: Manifest = {
      kind: 'deployment',
      scope,
      name: p.type,
      spec: { replicas: 1, restart: RESTART, command: shell(p.command), env: { PORT: port }, ports: [port], build: { context: '.' } },
    };
    validateManifest(m, kinds, { source: `${procfilePath}:${p.line}` });
    manifests.push(m);
  }
  if (release) {
    // The build retags this with its own id; `:latest` is the build-mode name.
    const m: Manifest = { kind: 'job', scope, name: RELEASE_TYPE, spec: { build: { context: '.' }, command: shell(release.command) } };
    validateManifest(m, kinds, { source: `${procfilePath}:${release.line}` });
    manifests.push(m);
  }
  for (const [proc, ing] of app.ingress) {
    const spec: Record<string, unknown> = { host: ing.host, service: ing.service ?? proc, port: ing.port ?? ports.get(proc) };
    if (ing.tls !== undefined) spec.tls = ing.tls;
    if (ing.lb !== undefined) spec.lb = ing.lb;
    if (ing.locations.length) spec.locations = ing.locations;
    const m: Manifest = { kind: 'ingress', scope, name: proc, spec };
    validateManifest(m, kinds, { source: `${appDisplay}: ingress.${proc}` });
    manifests.push(m);
  }
  // Written only once everything validated, so a failed apply leaves the checkout as it was.
  if (changed) await saveScope(app, scope, join(dir, APP_JSON), appDisplay);
  const imageNames = [...deployments.map((p) => p.type), ...(release ? [RELEASE_TYPE] : [])];
  return { scope, dir, manifests, imageNames, wroteAppJson: changed };
}
