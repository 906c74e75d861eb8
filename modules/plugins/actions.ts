/**
 * Actions as plugins hand them back: the
 * shape check every action gets before any runs, the list of types some
 * module handles (a community module's `onAction.for('x')` tap adds `x`),
 * and the two types the CLI carries out itself — `exec_local` and
 * `fetch_file` — whose taps only validate and hand them on.
 */
import { type Action, type ActionResult, type Hooks } from '../../kernel/index.js';
import { ValidationError } from '../../lib/errors.js';

export const CLIENT_ACTIONS = ['exec_local', 'fetch_file'] as const;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Action types with at least one tap, sorted. */
export function supportedActionTypes(hooks: Hooks): string[] {
  // tapable keeps the keyed hooks in `_map`; HookMap has no public way to list them.
  const map = (hooks.onAction as unknown as { _map: Map<string, { taps: unknown[] }> })._map;
  return [...map].filter(([, hook]) => hook.taps.length > 0).map(([type]) => type).sort();
}

/** Checks the list's shape and that every type is handled, before any action runs. */
export function checkActionList(hooks: Hooks, raw: unknown, where: string): Action[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new ValidationError(`${where}.actions: must be a list of {type, …}`, { field: 'actions' });
  const supported = supportedActionTypes(hooks);
  return raw.map((a, i) => {
    if (!isObject(a) || typeof a.type !== 'string' || !a.type) {
      throw new ValidationError(`${where}.actions[${i}]: must be an object with a "type" (supported: ${supported.join(', ')})`, { field: `actions[${i}]` });
    }
    if (!supported.includes(a.type)) {
      throw new ValidationError(`${where}.actions[${i}]: unknown action type "${a.type}" (supported: ${supported.join(', ')})`, { field: `actions[${i}].type` });
    }
    return a as Action;
  });
}

const summaryOf = (action: Action, fallback: string) =>
  typeof action.summary === 'string' && action.summary.trim() ? action.summary.trim() : fallback;

export function registerClientActions(hooks: Hooks): void {
  hooks.onAction.for('exec_local').tapPromise('plugins', async (action): Promise<ActionResult> => {
    const cmd = action.command;
    if (!Array.isArray(cmd) || cmd.length === 0 || !cmd.every((c) => typeof c === 'string') || !cmd[0]) {
      throw new ValidationError('action.command: exec_local needs a non-empty argv list, e.g. ["psql", "postgres://…"]', { field: 'action.command' });
    }
    return {
      applied: summaryOf(action, `exec_local [${(cmd as string[]).join(' ')}] (deferred to CLI)`),
      client: { type: 'exec_local', command: cmd },
    };
  });

  hooks.onAction.for('fetch_file').tapPromise('plugins', async (action): Promise<ActionResult> => {
    const { remote_path: remote, dest_path: dest, size_bytes: size } = action;
    if (typeof remote !== 'string' || !remote.startsWith('/')) {
      throw new ValidationError('action.remote_path: fetch_file needs the absolute path of the file on the controller host', { field: 'action.remote_path' });
    }
    if (typeof dest !== 'string' || !dest) {
      throw new ValidationError('action.dest_path: fetch_file needs where the CLI writes the file', { field: 'action.dest_path' });
    }
    if (size !== undefined && (!Number.isInteger(size) || (size as number) < 0)) {
      throw new ValidationError('action.size_bytes: must be a byte count', { field: 'action.size_bytes' });
    }
    return {
      applied: summaryOf(action, `fetch_file ${remote} → ${dest} (deferred to CLI)`),
      client: { type: 'fetch_file', remote_path: remote, dest_path: dest, ...(size !== undefined ? { size_bytes: size } : {}) },
    };
  });
}
