/**
 * `/config` over HTTP.
 * Answers carry values: they go back to the operator who asked. Errors and
 * logs never do.
 */
import { NotFoundError, ValidationError, VooduError, messageOf } from '../../lib/errors.js';
import { formatRef } from '../../lib/identity.js';
import { OPEN_TO_PLUGINS, type Api, type ApiRequest } from '../api/contract.js';
import type { AppIdGuard } from './app-id-guard.js';
import type { ConfigService, ConfigVars } from './contract.js';
import { assertBucket, assertKey, assertKeyCount, assertValue } from './validate.js';
import { queryFlag } from '../../lib/query-flag.js';

interface Target {
  scope: string;
  /** Undefined for the scope-level bucket. */
  name: string | undefined;
}

export function registerConfigRoutes(api: Api, config: ConfigService, guard: AppIdGuard): void {
  api.route('GET', '/config', async (req) => {
    const { scope, name } = target(req);
    const merge = queryFlag(req.query, 'merge', true);
    const key = optionalKey(req);
    const vars = name && merge ? await config.resolve(scope, name) : await config.bucket(scope, name);
    if (key === undefined) return { vars };
    if (!Object.hasOwn(vars, key)) throw notSet(key);
    return { [key]: vars[key] };
  }, OPEN_TO_PLUGINS);

  api.route('POST', '/config', async (req) => {
    const { scope, name } = target(req);
    const restart = queryFlag(req.query, 'restart', true);
    const kv = body(req.body);
    await guard(scope, name);
    const vars = await config.patch(scope, name, kv);
    return { vars, restarted: await propagate(config, scope, name, restart) };
  }, OPEN_TO_PLUGINS);

  api.route('DELETE', '/config', async (req) => {
    const { scope, name } = target(req);
    const restart = queryFlag(req.query, 'restart', true);
    const key = optionalKey(req);
    if (key === undefined) throw new ValidationError('query.key: required; name the variable to unset, e.g. ?key=DATABASE_URL', { field: 'query.key' });
    await guard(scope, name);
    const removed = await config.unset(scope, name, [key]);
    if (!removed.length) throw notSet(key);
    const vars = await config.bucket(scope, name);
    return { vars, restarted: await propagate(config, scope, name, restart) };
  }, OPEN_TO_PLUGINS);
}

/**
 * After a change: rewrite the app's env file (so a container started from
 * now on reads it), then re-put the manifests unless told not to. Unlike
 * the reference the file gets the full merge (manifest env < scope bucket <
 * app bucket), so
 * `restart=false` never leaves it without the scope or manifest keys.
 * The change is already stored when the file fails, so the fan-out still
 * runs (the reconcile rewrites the file or reports why it cannot) and the
 * error says what happened.
 */
async function propagate(config: ConfigService, scope: string, name: string | undefined, restart: boolean): Promise<string[]> {
  let fileError: unknown;
  if (name) {
    try {
      const env = await config.envFor(scope, name, await config.manifestEnv(scope, name));
      await config.writeEnvFile(scope, name, env);
    } catch (err) {
      fileError = err;
    }
  }
  const restarted = restart ? (await config.fanOut(scope, name)).map(formatRef) : [];
  if (fileError !== undefined) {
    const also = restarted.length ? `; re-put ${restarted.join(', ')}` : '';
    throw new VooduError(`config of ${scope}/${name} was stored, but its env file could not be written: ${messageOf(fileError)}${also}`, {
      cause: fileError,
    });
  }
  return restarted;
}

function target(req: ApiRequest): Target {
  const { scope, name } = req.query;
  if (scope === undefined || scope === '') {
    throw new ValidationError('query.scope: required; give the scope of the bucket, e.g. ?scope=prod (add &name=api for an app)', {
      field: 'query.scope',
    });
  }
  assertBucket(scope, name, 'query.');
  return { scope, name: name || undefined };
}

function optionalKey(req: ApiRequest): string | undefined {
  const key = req.query.key;
  if (key === undefined || key === '') return undefined;
  assertKey(key, 'query.key');
  return key;
}

function body(raw: unknown): ConfigVars {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ValidationError('body: must be a JSON object of variables, e.g. {"DATABASE_URL": "postgres://…"} (an empty value unsets)', {
      field: 'body',
    });
  }
  const entries = Object.entries(raw);
  if (!entries.length) throw new ValidationError('body: no variables given; send at least one "KEY": "value"', { field: 'body' });
  assertKeyCount(entries.length, 'body');
  for (const [key, value] of entries) {
    assertKey(key, 'body');
    assertValue(key, value, `body.${key}`);
  }
  return Object.fromEntries(entries) as ConfigVars;
}

function notSet(key: string): NotFoundError {
  return new NotFoundError(`key "${key}" not set`);
}
