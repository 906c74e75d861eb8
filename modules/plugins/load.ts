/**
 * Loading plugin directories from disk:
 * `plugin.yml` validated field by field, commands discovered under
 * `commands/` then `bin/` (bin wins), entrypoint mode, alias resolution.
 * Nothing is cached: the disk is the registry, re-read on every lookup.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, normalize, resolve, sep } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { NotFoundError, ValidationError, messageOf } from '../../lib/errors.js';
import { PLUGIN_NAME_PATTERN, PLUGIN_SOURCE_FILE, type LoadAllResult, type LoadedPlugin, type PluginManifest } from './contract.js';
import { validatePluginYml } from './manifest.js';

const exists = async (p: string) => stat(p).then((s) => s, () => undefined);

/** `filename → absolute path` for the plain files of one directory (no sub-dirs, no dotfiles). */
async function scanCommands(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const path = join(dir, e.name);
    // Symlinked shims are common; follow them, but still skip directories.
    const st = e.isSymbolicLink() ? await exists(path) : e;
    if (!st || st.isDirectory()) continue;
    out.set(e.name, path);
  }
  return out;
}

/** The name a bare plugin (no plugin.yml) gives itself in `commands/name`: first real line, `echo` and quotes stripped. */
async function nameFromCommandsFile(dir: string): Promise<string | undefined> {
  const text = await readFile(join(dir, 'commands', 'name'), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  for (const raw of text.split('\n')) {
    let line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    if (line.startsWith('echo ')) line = line.slice(5).trim();
    line = line.replace(/^["']|["']$/g, '');
    return line || undefined;
  }
  return undefined;
}

async function readSource(dir: string): Promise<string | undefined> {
  const text = await readFile(join(dir, PLUGIN_SOURCE_FILE), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const parsed = JSON.parse(text) as { source?: unknown };
    return typeof parsed.source === 'string' && parsed.source ? parsed.source : undefined;
  } catch {
    return undefined;
  }
}

/** Loads one plugin directory. Errors name the file and the field. */
export async function loadPluginDir(dir: string): Promise<LoadedPlugin> {
  const abs = resolve(dir);
  const st = await exists(abs);
  if (!st?.isDirectory()) throw new NotFoundError(`${abs}: not a plugin directory (it does not exist or is not a directory)`);

  const discovered = await scanCommands(join(abs, 'commands'));
  for (const [name, path] of await scanCommands(join(abs, 'bin'))) discovered.set(name, path);
  const synthesised = () => [...discovered.keys()].sort().map((name) => ({ name }));

  const ymlPath = join(abs, 'plugin.yml');
  const ymlText = await readFile(ymlPath, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw new ValidationError(`${ymlPath}: cannot be read: ${err.message}`);
  });

  let manifest: PluginManifest;
  if (ymlText === undefined) {
    const name = (await nameFromCommandsFile(abs)) ?? basename(abs);
    if (!PLUGIN_NAME_PATTERN.test(name)) {
      throw new ValidationError(`${abs}: plugin name ${JSON.stringify(name)} (from commands/name or the directory) is not valid; add a plugin.yml with a name of letters, digits, '-' or '_'`);
    }
    manifest = { name, aliases: [], commands: synthesised(), env: {} };
  } else {
    let raw: unknown;
    try {
      raw = parseYaml(ymlText);
    } catch (err) {
      throw new ValidationError(`${ymlPath}: not valid YAML: ${messageOf(err)}`);
    }
    manifest = validatePluginYml(raw ?? {}, ymlPath);
    if (manifest.commands.length === 0) manifest.commands = synthesised();
  }

  let commands = discovered;
  if (manifest.entrypoint) {
    // Entrypoint mode replaces the map: the binary may not exist yet (the install hook fetches it).
    const entry = join(abs, manifest.entrypoint);
    commands = new Map(manifest.commands.map((c) => [c.name, entry]));
  }
  const source = await readSource(abs);
  return { dir: abs, manifest, commands, ...(source ? { source } : {}) };
}

/** Every plugin under `root` (hidden staging dirs skipped); a missing root is no plugins, not an error. */
export async function loadAll(root: string): Promise<LoadAllResult> {
  const out: LoadAllResult = { plugins: [], errors: [] };
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return out;
    throw err;
  }
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.name.startsWith('.')) continue;
    const dir = join(root, e.name);
    if (!(await exists(dir))?.isDirectory()) continue;
    try {
      out.plugins.push(await loadPluginDir(dir));
    } catch (err) {
      out.errors.push(`${e.name}: ${messageOf(err)}`);
    }
  }
  return out;
}

/**
 * A plugin by its name (directory) or one of its aliases (exact,
 * case-sensitive). The name is validated first: it arrives from URLs and
 * block kinds and must never walk out of `root`.
 */
export async function loadByName(root: string, nameOrAlias: string): Promise<LoadedPlugin> {
  if (!PLUGIN_NAME_PATTERN.test(nameOrAlias)) {
    throw new ValidationError(`plugin ${JSON.stringify(nameOrAlias)}: not a valid plugin name (letters, digits, '-' and '_', at most 63)`, { field: 'plugin' });
  }
  const direct = join(root, nameOrAlias);
  if ((await exists(direct))?.isDirectory()) return loadPluginDir(direct);
  const { plugins } = await loadAll(root);
  const byAlias = plugins.find((p) => p.manifest.aliases.includes(nameOrAlias));
  if (byAlias) return byAlias;
  throw new NotFoundError(`plugin "${nameOrAlias}" not found in ${root} (no directory match, no alias match)`);
}

/** `loadByName`, with "not installed" as undefined instead of an error. */
export async function findInstalled(root: string, nameOrAlias: string): Promise<LoadedPlugin | undefined> {
  try {
    return await loadByName(root, nameOrAlias);
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}

/** True when `path` is `base` or inside it, after normalising (no `..` escape). */
export function isInside(base: string, path: string): boolean {
  const b = normalize(resolve(base));
  const p = normalize(resolve(path));
  return p === b || p.startsWith(b.endsWith(sep) ? b : b + sep);
}
