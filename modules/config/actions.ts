/**
 * The `config_set` and `config_unset` actions plugins hand back
 * (docs/plugin-protocol.md): a bucket patch, then the env file and the
 * restart fan-out, as `voodu config set` does. Messages carry keys, never
 * values. On a dry run the action is only validated.
 */
import { type Action, type ActionContext, type ActionResult, type Hooks, type Logger } from '../../kernel/index.js';
import { ValidationError, messageOf } from '../../lib/errors.js';
import { formatRef } from '../../lib/identity.js';
import type { AppIdGuard } from './app-id-guard.js';
import type { ConfigService, ConfigVars } from './contract.js';
import { assertBucket, assertKey, assertKeyCount, assertValue } from './validate.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

interface Bucket {
  scope: string;
  name: string | undefined;
}

function bucketOf(action: Action): Bucket {
  assertBucket(action.scope, action.name, 'action.');
  return { scope: action.scope as string, name: typeof action.name === 'string' && action.name ? action.name : undefined };
}

const label = (b: Bucket) => (b.name ? `${b.scope}/${b.name}` : b.scope);

function summaryOf(action: Action, fallback: string): string {
  return typeof action.summary === 'string' && action.summary.trim() ? action.summary.trim() : fallback;
}

/**
 * Expansions skip the fan-out: their manifests are written right after the
 * actions, which re-fires the reconcile with the new config anyway.
 */
const wantsRestart = (action: Action, ctx: ActionContext) => action.skip_restart !== true && !ctx.source.startsWith('expand:');

export function registerConfigActions(hooks: Hooks, config: ConfigService, log: Logger, guard: AppIdGuard): void {
  /** Env file first (containers started from now on read it), then the re-put, as `POST /config` does. */
  async function propagate(b: Bucket, restart: boolean): Promise<string[]> {
    if (b.name) {
      try {
        await config.writeEnvFile(b.scope, b.name, await config.envFor(b.scope, b.name, await config.manifestEnv(b.scope, b.name)));
      } catch (err) {
        // The change is stored; the reconcile the fan-out fires rewrites the file or reports why not.
        log.warn(`env file of ${label(b)} not rewritten after a plugin action: ${messageOf(err)}`);
      }
    }
    return restart ? (await config.fanOut(b.scope, b.name)).map(formatRef) : [];
  }

  hooks.onAction.for('config_set').tapPromise('config', async (action, ctx): Promise<ActionResult> => {
    const b = bucketOf(action);
    if (!isObject(action.kv) || Object.keys(action.kv).length === 0) {
      throw new ValidationError('action.kv: required for config_set; give at least one "KEY": "value"', { field: 'action.kv' });
    }
    const entries = Object.entries(action.kv);
    assertKeyCount(entries.length, 'action.kv');
    for (const [key, value] of entries) {
      assertKey(key, 'action.kv');
      assertValue(key, value, `action.kv.${key}`);
    }
    const keys = entries.map(([k]) => k).sort();
    const applied = summaryOf(action, `config_set ${label(b)}: ${keys.join(',')}`);
    await guard(b.scope, b.name);
    if (ctx.dryRun) return { applied };
    await config.patch(b.scope, b.name, Object.fromEntries(entries) as ConfigVars);
    const restarted = await propagate(b, wantsRestart(action, ctx));
    log.info(`${ctx.source}: config_set ${label(b)} keys ${keys.join(',')}${restarted.length ? `; re-put ${restarted.join(', ')}` : ''}`);
    return { applied };
  });

  hooks.onAction.for('config_unset').tapPromise('config', async (action, ctx): Promise<ActionResult> => {
    const b = bucketOf(action);
    if (!Array.isArray(action.keys) || action.keys.length === 0) {
      throw new ValidationError('action.keys: required for config_unset; give the variable names to remove, e.g. ["REDIS_PASSWORD"]', { field: 'action.keys' });
    }
    assertKeyCount(action.keys.length, 'action.keys');
    action.keys.forEach((k, i) => assertKey(k, `action.keys[${i}]`));
    const keys = [...(action.keys as string[])].sort();
    const applied = summaryOf(action, `config_unset ${label(b)}: ${keys.join(',')}`);
    await guard(b.scope, b.name);
    if (ctx.dryRun) return { applied };
    const removed = await config.unset(b.scope, b.name, keys);
    // Nothing removed → nothing changed: no restart for a no-op.
    const restarted = removed.length ? await propagate(b, wantsRestart(action, ctx)) : [];
    log.info(`${ctx.source}: config_unset ${label(b)} keys ${removed.join(',') || '(none set)'}${restarted.length ? `; re-put ${restarted.join(', ')}` : ''}`);
    return { applied };
  });
}
