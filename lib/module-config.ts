/**
 * The host's module config (`$VOODU_ROOT/modules.json` or `--modules PATH`):
 * which core modules run, their options, and community in-process modules
 * loaded by npm package name or file path.
 *
 *   {
 *     "disable": ["runtime"],
 *     "options": { "api": { "maxBodyBytes": 2097152 } },
 *     "modules": [{ "from": "./hello/index.js", "options": { "greeting": "hi" } }]
 *   }
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type ModuleEntry, type VooduModule } from '../kernel/index.js';
import { ValidationError, messageOf } from './errors.js';

export interface CommunityModuleConfig {
  /** npm package name, or a path (absolute, or relative to the config file). */
  from: string;
  options?: Record<string, unknown>;
  enabled?: boolean;
}

export interface ModuleConfig {
  disable: string[];
  options: Record<string, Record<string, unknown>>;
  modules: CommunityModuleConfig[];
  /** Directory relative paths resolve against. */
  baseDir: string;
}

export function emptyModuleConfig(baseDir = process.cwd()): ModuleConfig {
  return { disable: [], options: {}, modules: [], baseDir };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Validates a parsed module config; every error names the file and the field. */
export function parseModuleConfig(raw: unknown, file: string, coreNames: string[]): ModuleConfig {
  const fail = (field: string, msg: string) => new ValidationError(`${file}: ${field}: ${msg}`, { field });
  if (!isObject(raw)) throw fail('(top level)', 'must be a JSON object with "disable", "options" and/or "modules"');
  for (const key of Object.keys(raw)) {
    if (!['disable', 'options', 'modules'].includes(key)) {
      throw fail(key, 'unknown key; accepted: disable, options, modules');
    }
  }
  const config = emptyModuleConfig(dirname(resolve(file)));

  if (raw.disable !== undefined) {
    if (!Array.isArray(raw.disable) || !raw.disable.every((d) => typeof d === 'string')) {
      throw fail('disable', 'must be an array of core module names');
    }
    for (const name of raw.disable) {
      if (!coreNames.includes(name)) throw fail('disable', `"${name}" is not a core module; core modules: ${coreNames.join(', ')}`);
    }
    config.disable = raw.disable;
  }

  if (raw.options !== undefined) {
    if (!isObject(raw.options)) throw fail('options', 'must be an object keyed by core module name');
    for (const [name, opts] of Object.entries(raw.options)) {
      if (!coreNames.includes(name)) {
        throw fail(`options.${name}`, `"${name}" is not a core module (community modules take "options" in their "modules" entry); core modules: ${coreNames.join(', ')}`);
      }
      if (!isObject(opts)) throw fail(`options.${name}`, 'must be an object');
      config.options[name] = opts;
    }
  }

  if (raw.modules !== undefined) {
    if (!Array.isArray(raw.modules)) throw fail('modules', 'must be an array of {"from": "<package or path>", "options": {...}}');
    raw.modules.forEach((entry, i) => {
      const at = `modules[${i}]`;
      if (!isObject(entry)) throw fail(at, 'must be an object with "from"');
      for (const key of Object.keys(entry)) {
        if (!['from', 'options', 'enabled'].includes(key)) throw fail(`${at}.${key}`, 'unknown key; accepted: from, options, enabled');
      }
      if (typeof entry.from !== 'string' || !entry.from.trim()) throw fail(`${at}.from`, 'must be an npm package name or a file path');
      if (entry.options !== undefined && !isObject(entry.options)) throw fail(`${at}.options`, 'must be an object');
      if (entry.enabled !== undefined && typeof entry.enabled !== 'boolean') throw fail(`${at}.enabled`, 'must be true or false');
      config.modules.push({
        from: entry.from,
        ...(entry.options ? { options: entry.options as Record<string, unknown> } : {}),
        ...(entry.enabled !== undefined ? { enabled: entry.enabled } : {}),
      });
    });
  }
  return config;
}

export async function loadModuleConfig(file: string, coreNames: string[]): Promise<ModuleConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ValidationError(`module config ${file}: cannot read it (${messageOf(err)})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ValidationError(`module config ${file}: not valid JSON (${messageOf(err)})`);
  }
  return parseModuleConfig(raw, file, coreNames);
}

const isPath = (from: string) => from.startsWith('.') || isAbsolute(from);

/** Imports a community module and checks it has the shape of a module. */
export async function importCommunityModule(entry: CommunityModuleConfig, baseDir: string): Promise<VooduModule<any>> {
  let specifier: string;
  if (isPath(entry.from)) {
    specifier = pathToFileURL(resolve(baseDir, entry.from)).href;
  } else {
    // Resolve packages from the config's directory first (modules installed beside it), then from voodu's own.
    try {
      specifier = pathToFileURL(createRequire(resolve(baseDir, 'modules.json')).resolve(entry.from)).href;
    } catch {
      specifier = entry.from;
    }
  }
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(specifier)) as Record<string, unknown>;
  } catch (err) {
    throw new ValidationError(`community module "${entry.from}": cannot load it (${messageOf(err)})`);
  }
  const candidate = (loaded.default ?? loaded.module) as Partial<VooduModule> | undefined;
  if (!candidate || typeof candidate.name !== 'string' || typeof candidate.register !== 'function') {
    throw new ValidationError(
      `community module "${entry.from}": its default export is not a voodu module (an object with "name" and "register(ctx)")`,
    );
  }
  return candidate as VooduModule<any>;
}

/**
 * The module entries to boot: enabled core modules with file options
 * overlaid by `overrides` (from flags), then enabled community modules.
 */
export async function resolveModules(
  config: ModuleConfig,
  core: Record<string, () => Promise<VooduModule<any>>>,
  overrides: Record<string, Record<string, unknown>> = {},
): Promise<ModuleEntry[]> {
  const entries: ModuleEntry[] = [];
  for (const [name, load] of Object.entries(core)) {
    if (config.disable.includes(name)) continue;
    entries.push({ module: await load(), options: { ...config.options[name], ...overrides[name] } });
  }
  for (const community of config.modules) {
    if (community.enabled === false) continue;
    const module = await importCommunityModule(community, config.baseDir);
    if (core[module.name]) {
      throw new ValidationError(`community module "${community.from}" is named "${module.name}", which is a core module; give it another name`);
    }
    entries.push({ module, options: community.options ?? {} });
  }
  return entries;
}
