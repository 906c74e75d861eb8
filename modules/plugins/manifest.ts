/**
 * `plugin.yml` validation: every field
 * checked for type and shape, errors naming the file, the field and the
 * fix. Unknown keys are ignored so newer plugins load on older controllers.
 */
import { isAbsolute, normalize } from 'node:path';
import { ValidationError } from '../../lib/errors.js';
import { PLUGIN_NAME_PATTERN, type PluginManifest } from './contract.js';

const COMMAND_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,127}$/;
/** The longest a command may ask to run (a backup of a big database): six hours. */
export const MAX_COMMAND_TIMEOUT_S = 6 * 3600;

const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function validatePluginYml(raw: unknown, file: string): PluginManifest {
  const fail = (field: string, msg: string): never => {
    throw new ValidationError(`${file}: ${field}: ${msg}`, { field });
  };
  if (!isObject(raw)) fail('(top level)', 'must be a mapping of name, version, aliases, commands, …');
  const y = raw as Record<string, unknown>;

  const optString = (key: string): string | undefined => {
    const v = y[key];
    if (v === undefined || v === null) return undefined;
    // YAML reads `version: 1.2` as a number; a version is text.
    if (typeof v === 'number' && key === 'version') return String(v);
    if (typeof v !== 'string') fail(key, `must be a string, got ${JSON.stringify(v)}`);
    return (v as string).trim() || undefined;
  };

  const name = optString('name');
  if (!name) fail('name', 'required: the plugin name (also its directory and block kind), e.g. `name: postgres`');
  if (!PLUGIN_NAME_PATTERN.test(name!)) fail('name', `${JSON.stringify(name)} is not valid; use letters, digits, '-' and '_' (at most 63), starting with a letter or digit`);

  const aliases: string[] = [];
  if (y.aliases !== undefined && y.aliases !== null) {
    if (!Array.isArray(y.aliases)) fail('aliases', 'must be a list of names, e.g. `aliases: [pg]`');
    (y.aliases as unknown[]).forEach((a, i) => {
      if (typeof a !== 'string' || !PLUGIN_NAME_PATTERN.test(a)) fail(`aliases[${i}]`, `${JSON.stringify(a)} is not a valid name (letters, digits, '-', '_')`);
      if (a === name) fail(`aliases[${i}]`, `"${a}" is the plugin's own name; list only alternate names`);
      aliases.push(a as string);
    });
  }

  const entrypoint = optString('entrypoint');
  if (entrypoint && (isAbsolute(entrypoint) || normalize(entrypoint).split(/[\\/]/).includes('..'))) {
    fail('entrypoint', `"${entrypoint}" must be a path inside the plugin directory, e.g. bin/voodu-postgres`);
  }

  const commands: PluginManifest['commands'] = [];
  if (y.commands !== undefined && y.commands !== null) {
    if (!Array.isArray(y.commands)) fail('commands', 'must be a list of {name, help}');
    const seen = new Set<string>();
    (y.commands as unknown[]).forEach((c, i) => {
      const entry = typeof c === 'string' ? { name: c } : c;
      if (!isObject(entry)) fail(`commands[${i}]`, 'must be {name, help} or a command name');
      const e = entry as Record<string, unknown>;
      if (typeof e.name !== 'string' || !COMMAND_PATTERN.test(e.name)) {
        fail(`commands[${i}].name`, `${JSON.stringify(e.name)} is not a valid command name (letters, digits, '_', '-', '.', ':')`);
      }
      if (e.help !== undefined && e.help !== null && typeof e.help !== 'string') fail(`commands[${i}].help`, 'must be a string');
      if (seen.has(e.name as string)) fail(`commands[${i}].name`, `"${e.name}" is declared twice`);
      if (e.timeout !== undefined && e.timeout !== null && (!Number.isInteger(e.timeout) || (e.timeout as number) < 1 || (e.timeout as number) > MAX_COMMAND_TIMEOUT_S)) {
        fail(`commands[${i}].timeout`, `must be whole seconds from 1 to ${MAX_COMMAND_TIMEOUT_S}, e.g. \`timeout: 600\` for a command that may run ten minutes`);
      }
      seen.add(e.name as string);
      commands.push({
        name: e.name as string,
        ...(typeof e.help === 'string' && e.help ? { help: e.help } : {}),
        ...(typeof e.timeout === 'number' ? { timeoutS: e.timeout } : {}),
      });
    });
  }

  const env: Record<string, string> = {};
  if (y.env !== undefined && y.env !== null) {
    if (!isObject(y.env)) fail('env', 'must be a mapping of NAME: value');
    for (const [k, v] of Object.entries(y.env as Record<string, unknown>)) {
      if (!ENV_KEY.test(k)) fail(`env.${k}`, 'is not an environment variable name (letters, digits, _)');
      if (v === null || v === undefined) env[k] = '';
      else if (['string', 'number', 'boolean'].includes(typeof v)) env[k] = String(v);
      else fail(`env.${k}`, 'must be a string, number or boolean');
    }
  }

  let routes: PluginManifest['routes'];
  if (y.routes !== undefined && y.routes !== null) {
    if (!isObject(y.routes)) fail('routes', 'must be {prefix, port, port_env}');
    const r = y.routes as Record<string, unknown>;
    if (r.prefix !== undefined && typeof r.prefix !== 'string') fail('routes.prefix', 'must be a string');
    if (r.port !== undefined && (!Number.isInteger(r.port) || (r.port as number) < 1 || (r.port as number) > 65535)) fail('routes.port', 'must be a port number 1-65535');
    if (r.port_env !== undefined && (typeof r.port_env !== 'string' || !ENV_KEY.test(r.port_env))) fail('routes.port_env', 'must be an environment variable name');
    routes = {
      prefix: typeof r.prefix === 'string' && r.prefix ? r.prefix : name!,
      ...(r.port !== undefined ? { port: r.port as number } : {}),
      ...(r.port_env !== undefined ? { port_env: r.port_env as string } : {}),
    };
  }

  const version = optString('version');
  const description = optString('description');
  const homepage = optString('homepage');
  return {
    name: name!,
    ...(version ? { version } : {}),
    ...(description ? { description } : {}),
    ...(homepage ? { homepage } : {}),
    aliases,
    ...(entrypoint ? { entrypoint } : {}),
    commands,
    env,
    ...(routes ? { routes } : {}),
  };
}
